import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Fjord } from './fjord.js';
import { childLogger, fromFjordLogger } from './logger.js';
import type { FjordOptions } from './options.js';

/** A real pino logger writing NDJSON lines into `lines`. */
function capturingPino(lines: Array<Record<string, unknown>>) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: 'debug' }, sink);
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('a pino logger as the logger option', () => {
  it('type-checks as FjordOptions.logger, and a child logger does too', () => {
    const logger = pino({ level: 'silent' });
    const options: FjordOptions = { bootstrap: ['127.0.0.1:1'], logger: logger.child({ app: 'billing' }) };
    expect(options.logger).toBeDefined();
  });

  it('receives the message as msg and every field, from the SDK’s own log lines', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const address = `127.0.0.1:${await closedPort()}`;
    const fjord = new Fjord({
      bootstrap: [address],
      clientId: 'pino-test',
      requestTimeoutMs: 300,
      retry: { initialRetryMs: 50, maxRetryMs: 50 },
      logger: capturingPino(lines),
    });
    try {
      await expect(fjord.admin().listTopics()).rejects.toThrow();
    } finally {
      await fjord.close();
    }
    const unreachable = lines.find((l) => l.msg === 'coordinator unreachable');
    expect(unreachable, JSON.stringify(lines)).toMatchObject({
      level: 20, // pino's debug
      clientId: 'pino-test',
      component: 'cluster',
      address,
    });
    expect(unreachable?.error).toEqual(expect.stringContaining(address));
  });

  it('passes message and fields of every level, child fields included', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = childLogger(fromFjordLogger(capturingPino(lines)), { component: 'producer' });
    logger.debug('d', { a: 1 });
    logger.info('i');
    logger.warn('w', { topic: 'orders', partition: 2 });
    logger.error('e', { error: 'boom' });
    const withoutPinoBase = lines.map(({ time: _t, pid: _p, hostname: _h, ...rest }) => rest);
    expect(withoutPinoBase).toEqual([
      { level: 20, msg: 'd', component: 'producer', a: 1 },
      { level: 30, msg: 'i', component: 'producer' },
      { level: 40, msg: 'w', component: 'producer', topic: 'orders', partition: 2 },
      { level: 50, msg: 'e', component: 'producer', error: 'boom' },
    ]);
  });
});
