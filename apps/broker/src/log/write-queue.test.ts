import { describe, expect, it } from 'vitest';
import { type WriteOp, WriteQueue } from './write-queue.js';

const put = (n: number): WriteOp => ({ type: 'put', key: Buffer.from([n]), value: Buffer.alloc(0) });

describe('WriteQueue', () => {
  it('merges writes queued behind an in-flight write into one batch, in order', async () => {
    const batches: number[][] = [];
    const queue = new WriteQueue(async (ops) => {
      batches.push(ops.map((op) => op.key[0]!));
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    const committed: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => queue.write([put(n)], { onCommit: () => committed.push(n) })));
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(committed).toEqual([1, 2, 3, 4]);
  });

  it('fails every write queued behind a failed batch, then recovers', async () => {
    let fail = true;
    const queue = new WriteQueue(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail) throw new Error('disk full');
    });
    const failed: number[] = [];
    const first = queue.write([put(1)], { onFail: () => failed.push(1) });
    const second = queue.write([put(2)], { onFail: () => failed.push(2) });
    await expect(first).rejects.toThrow('disk full');
    await expect(second).rejects.toThrow('disk full');
    expect(failed).toEqual([1, 2]);
    fail = false;
    await expect(queue.write([put(3)])).resolves.toBeUndefined();
    await queue.whenIdle();
  });

  it('runs exclusive tasks in queue order without failing later writes', async () => {
    const order: string[] = [];
    const queue = new WriteQueue(async (ops) => {
      order.push(`batch ${ops.length}`);
    });
    const task = queue.runExclusive(async () => {
      order.push('task');
      throw new Error('task failed');
    });
    const write = queue.write([put(1)]);
    await expect(task).rejects.toThrow('task failed');
    await write;
    expect(order).toEqual(['task', 'batch 1']);
  });
});
