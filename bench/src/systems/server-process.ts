import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { onCleanup } from './cleanup.js';

/** A peer server (redis-server, nats-server) run as a child process. */
export interface ChildServer {
  pid: number;
  /** Last output lines, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

const KEEP_LINES = 40;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Spawns `command args` and resolves once 127.0.0.1:`port` accepts connections. Output is
 * kept (last lines) for errors only: servers are not chatty and a benchmark must not log.
 */
export async function startServer(
  command: string,
  args: string[],
  port: number,
  startTimeoutMs = 15_000,
): Promise<ChildServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > KEEP_LINES) lines.splice(0, lines.length - KEEP_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit').catch(() => undefined);
  let unregister = (): void => {};
  const server: ChildServer = {
    pid: child.pid ?? -1,
    output: () => lines.join('\n'),
    stop: async () => {
      unregister();
      await stopChild(child, exited);
    },
  };
  unregister = onCleanup(server.stop);
  try {
    await waitForPort(port, startTimeoutMs, child);
  } catch (error) {
    await server.stop();
    throw new Error(`${command} did not start: ${(error as Error).message}\n${server.output()}`);
  }
  return server;
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
  });
  const outcome = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

// Polls the port (bounded by the deadline) because neither server has a machine-readable
// "ready" line that both share.
async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited early (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`port ${port} not open within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
