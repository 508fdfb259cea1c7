import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes JSON lines with component and nodeId, at the given level', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ component: 'broker', nodeId: 'broker-2', level: 'info', destination });
    logger.debug('hidden');
    logger.info({ port: 7402 }, 'listening');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        level: 30,
        component: 'broker',
        nodeId: 'broker-2',
        port: 7402,
        msg: 'listening',
      }),
    ]);
  });
});
