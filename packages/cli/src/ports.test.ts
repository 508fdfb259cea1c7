import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertPortsFree } from './ports.js';

describe('assertPortsFree', () => {
  it('names the node whose port is taken', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const taken = (server.address() as { port: number }).port;
    try {
      await expect(assertPortsFree([{ node: 'broker-2', port: taken }], '127.0.0.1')).rejects.toThrow(
        `port ${taken} on 127.0.0.1 (for broker-2) is already in use`,
      );
    } finally {
      server.close();
    }
    await expect(assertPortsFree([{ node: 'broker-2', port: taken }], '127.0.0.1')).resolves.toBeUndefined();
  });
});
