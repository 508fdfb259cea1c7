import { afterEach, describe, expect, it } from 'vitest';
import { PartitionLog } from './partition-log.js';
import { TailCache } from './tail-cache.js';
import { appendTo, batchOf, openTempStore, type TempStore } from './temp-store.fixture.js';

const TOPIC_ID = '5b2c1e57-3d4f-4a8b-9c0d-1e2f3a4b5c6d';
const bytesOf = (n: number, fill = 1) => Buffer.alloc(n, fill);

describe('TailCache', () => {
  it('answers reads inside the cached suffix as a LevelDB read would, and nothing below it', () => {
    const tail = new TailCache(1 << 20).partition();
    tail.append(10n, 13n, bytesOf(100));
    tail.append(13n, 14n, bytesOf(50));
    tail.append(14n, 20n, bytesOf(200));
    expect(tail.read(9n, 20n, 1 << 20, true)).toBeUndefined();
    // From the batch holding the offset, up to the limit, within max bytes.
    expect(tail.read(11n, 20n, 1 << 20, true)?.batches.map((b) => b.length)).toEqual([100, 50, 200]);
    expect(tail.read(13n, 20n, 1 << 20, true)?.batches.map((b) => b.length)).toEqual([50, 200]);
    expect(tail.read(10n, 14n, 1 << 20, true)?.batches.map((b) => b.length)).toEqual([100, 50]);
    expect(tail.read(10n, 20n, 160, true)?.sizeBytes).toBe(150);
    // Larger than max bytes: the first batch only with minOneBatch.
    expect(tail.read(14n, 20n, 10, true)?.batches.map((b) => b.length)).toEqual([200]);
    expect(tail.read(14n, 20n, 10, false)?.batches).toEqual([]);
  });

  it('starts the suffix over when a batch does not continue it', () => {
    const tail = new TailCache(1 << 20).partition();
    tail.append(0n, 5n, bytesOf(10));
    tail.append(7n, 9n, bytesOf(10));
    expect(tail.startOffset).toBe(7n);
    expect(tail.endOffset).toBe(9n);
    expect(tail.read(0n, 9n, 100, true)).toBeUndefined();
  });

  it('evicts the oldest batch of any partition once the budget is full', () => {
    const cache = new TailCache(300);
    const a = cache.partition();
    const b = cache.partition();
    a.append(0n, 1n, bytesOf(100));
    b.append(0n, 1n, bytesOf(100));
    a.append(1n, 2n, bytesOf(100));
    expect(cache.bytes).toBe(300);
    b.append(1n, 2n, bytesOf(100));
    // a's first batch was the oldest of all.
    expect(cache.bytes).toBe(300);
    expect(a.startOffset).toBe(1n);
    expect(b.startOffset).toBe(0n);
    b.append(2n, 3n, bytesOf(150));
    expect(cache.bytes).toBeLessThanOrEqual(300);
    expect(b.endOffset).toBe(3n);
  });

  it('gives every byte back when a partition drops batches', () => {
    const cache = new TailCache(1 << 20);
    const tail = cache.partition();
    for (let i = 0n; i < 10n; i++) tail.append(i * 2n, i * 2n + 2n, bytesOf(10));
    tail.dropBelow(6n);
    expect(tail.startOffset).toBe(6n);
    expect(cache.bytes).toBe(70);
    tail.clear();
    expect(cache.bytes).toBe(0);
    expect(tail.endOffset).toBeUndefined();
  });

  it('copies a small view of a large buffer, so that the budget counts what it holds', () => {
    const tail = new TailCache(1 << 20).partition();
    const request = Buffer.alloc(64 * 1024, 7);
    tail.append(0n, 1n, request.subarray(100, 200));
    const [held] = tail.read(0n, 1n, 1 << 20, true)!.batches;
    expect(held!.buffer.byteLength).toBeLessThan(request.buffer.byteLength);
    expect(held!.equals(request.subarray(100, 200))).toBe(true);
  });

  it('caches nothing with a budget of 0', () => {
    const cache = new TailCache(0);
    const tail = cache.partition();
    tail.append(0n, 1n, bytesOf(10));
    expect(tail.endOffset).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });
});

describe('PartitionLog reads with a tail cache', () => {
  const temps: TempStore[] = [];
  afterEach(async () => {
    for (const temp of temps.splice(0)) await temp.cleanup();
  });

  async function openLog(tailCacheBytes: number) {
    const temp = await openTempStore({ flushPolicy: 'os', flushIntervalMs: 1000, tailCacheBytes });
    temps.push(temp);
    return { temp, log: await PartitionLog.load(temp.store, TOPIC_ID, 0) };
  }

  it('answers every fetch offset and size exactly as LevelDB does, also past a small budget', async () => {
    const cached = await openLog(4_000);
    const disk = await openLog(0);
    // Batches of 1-5 records, so that offsets fall at the start, inside and at the end of batches.
    for (let i = 0; i < 40; i++) {
      const batch = batchOf(
        Array.from({ length: 1 + (i % 5) }, (_, r) => 1_000 + i * 10 + r),
        `b${i}-`,
      );
      await appendTo(cached.temp.store, cached.log, [Buffer.from(batch)]);
      await appendTo(disk.temp.store, disk.log, [Buffer.from(batch)]);
    }
    expect(cached.temp.store.tailCache.bytes).toBeGreaterThan(0);
    expect(cached.temp.store.tailCache.bytes).toBeLessThanOrEqual(4_000);
    for (let offset = 0n; offset <= cached.log.logEndOffset; offset++) {
      for (const maxBytes of [1, 150, 1_000, 1 << 20]) {
        for (const minOneBatch of [true, false]) {
          const fromCache = await cached.log.read(offset, maxBytes, minOneBatch);
          const fromDisk = await disk.log.read(offset, maxBytes, minOneBatch);
          expect(Buffer.concat(fromCache.batches)).toEqual(Buffer.concat(fromDisk.batches));
          expect(fromCache.sizeBytes).toBe(fromDisk.sizeBytes);
        }
      }
    }
  });

  it('does not serve batches retention deleted, nor anything of a deleted log', async () => {
    const { temp, log } = await openLog(1 << 20);
    for (let i = 0; i < 4; i++) await appendTo(temp.store, log, [batchOf([i])]);
    await log.applyRetention({ retentionMs: -1, retentionBytes: 1 }, Date.now());
    expect(log.logStartOffset).toBeGreaterThan(0n);
    expect(temp.store.tailCache.bytes).toBeLessThan(4 * batchOf([0]).length);
    log.markDeleted();
    expect(temp.store.tailCache.bytes).toBe(0);
  });
});
