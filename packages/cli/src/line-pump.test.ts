import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pumpLines, takeBatch } from './line-pump.js';

describe('takeBatch', () => {
  it('takes up to maxLines and maxBytes, but always at least one line', () => {
    const queue = ['aa', 'bb', 'cc', 'dd'];
    expect(takeBatch(queue, { maxLines: 3, maxBytes: 100 })).toEqual({ lines: ['aa', 'bb', 'cc'], bytes: 6 });
    expect(queue).toEqual(['dd']);
    const big = ['x'.repeat(10), 'y'];
    expect(takeBatch(big, { maxLines: 10, maxBytes: 4 }).lines).toEqual(['x'.repeat(10)]);
    expect(takeBatch(big, { maxLines: 10, maxBytes: 4 }).lines).toEqual(['y']);
  });
});

describe('pumpLines', () => {
  it('sends every line in order, in bounded batches', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `line-${i}`);
    const batches: string[][] = [];
    await pumpLines(
      Readable.from([`${lines.join('\r\n')}\r\n`]),
      { maxLines: 1000, maxBytes: 1 << 20 },
      async (b) => {
        batches.push(b);
      },
    );
    expect(batches.flat()).toEqual(lines);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(1000);
  });

  it('sends a line typed by hand without waiting for more', async () => {
    const input = new PassThrough();
    const sent: string[][] = [];
    let firstSent: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      firstSent = resolve;
    });
    const done = pumpLines(input, { maxLines: 1000, maxBytes: 1 << 16 }, async (b) => {
      sent.push(b);
      firstSent();
    });
    input.write('hello\n');
    await first;
    expect(sent).toEqual([['hello']]);
    input.end('last');
    await done;
    expect(sent).toEqual([['hello'], ['last']]);
  });

  it('stops reading on abort after sending what was read, and rejects on a send failure', async () => {
    const input = new PassThrough();
    const stop = new AbortController();
    const sent: string[] = [];
    const done = pumpLines(
      input,
      { maxLines: 10, maxBytes: 1000 },
      async (b) => {
        sent.push(...b);
        stop.abort();
      },
      stop.signal,
    );
    input.write('a\n');
    await done;
    expect(sent).toEqual(['a']);

    const failing = pumpLines(Readable.from(['x\n']), { maxLines: 10, maxBytes: 1000 }, async () => {
      throw new Error('broker down');
    });
    await expect(failing).rejects.toThrow('broker down');
  });
});
