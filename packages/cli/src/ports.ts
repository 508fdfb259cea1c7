import { createServer } from 'node:net';

/** A port a node of `fjord dev` will bind. */
export interface PlannedPort {
  port: number;
  node: string;
}

/**
 * Throws naming the first port already in use on `host`. Checking before starting anything
 * gives one clear message instead of a node dying with EADDRINUSE among the others' logs.
 */
export async function assertPortsFree(ports: readonly PlannedPort[], host: string): Promise<void> {
  for (const { port, node } of ports) {
    const problem = await probe(port, host);
    if (problem) throw new Error(`port ${port} on ${host} (for ${node}) ${problem}`);
  }
}

function probe(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        resolve('is already in use — stop what uses it, or pick other ports with --port');
      else if (error.code === 'EACCES')
        resolve('may not be bound by this user — pick other ports with --port');
      else resolve(`cannot be bound: ${error.message}`);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
