import { decodeRecordBatch, splitBatches, TimestampType } from '@fjord/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionLog } from './partition-log.js';
import { appendTo, batchOf, dumpKeys, openTempStore, type TempStore } from './temp-store.fixture.js';

const TOPIC_ID = '5b2c1e57-3d4f-4a8b-9c0d-1e2f3a4b5c6d';
const NO_RETENTION = { retentionMs: -1, retentionBytes: -1 };

/** Offsets of every record in `bytes` (concatenated batches). */
function offsetsIn(bytes: Buffer): bigint[] {
  if (bytes.length === 0) return [];
  return splitBatches(bytes).flatMap((b) => decodeRecordBatch(b.bytes).records.map((r) => r.offset));
}

// Every case runs twice: reads answered from the tail cache, and from LevelDB alone.
describe.each([
  { reads: 'the tail cache', tailCacheBytes: undefined },
  { reads: 'LevelDB alone', tailCacheBytes: 0 },
])('PartitionLog, reading from $reads', ({ tailCacheBytes }) => {
  let temp: TempStore;
  let log: PartitionLog;

  beforeEach(async () => {
    temp = await openTempStore({
      flushPolicy: 'os',
      flushIntervalMs: 1000,
      ...(tailCacheBytes === undefined ? {} : { tailCacheBytes }),
    });
    log = await PartitionLog.load(temp.store, TOPIC_ID, 0);
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('starts empty', () => {
    expect(log.logStartOffset).toBe(0n);
    expect(log.logEndOffset).toBe(0n);
    expect(log.highWatermark).toBe(0n);
    expect(log.sizeBytes).toBe(0);
  });

  it('assigns contiguous offsets and patches base offset and leader epoch', async () => {
    expect(await appendTo(temp.store, log, [batchOf([1, 2, 3])], 4)).toBe(0n);
    expect(await appendTo(temp.store, log, [batchOf([4]), batchOf([5, 6])], 4)).toBe(3n);
    expect(log.logEndOffset).toBe(6n);
    expect(log.highWatermark).toBe(6n);
    const read = await log.read(0n, 1 << 20, true);
    expect(read.batches).toHaveLength(3);
    expect(offsetsIn(Buffer.concat(read.batches))).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    expect(splitBatches(read.batches[2]!)[0]!.header.partitionLeaderEpoch).toBe(4);
    expect(log.leaderEpochCache).toEqual([[4, 0n]]);
  });

  it('reads from the batch containing the fetch offset and respects max bytes', async () => {
    for (let i = 0; i < 5; i++) await appendTo(temp.store, log, [batchOf([i, i])]);
    const fromMiddle = await log.read(5n, 1 << 20, true);
    expect(offsetsIn(Buffer.concat(fromMiddle.batches))[0]).toBe(4n);
    const oneBatchSize = fromMiddle.batches[0]!.length;
    const limited = await log.read(0n, oneBatchSize * 2 + 1, true);
    expect(limited.batches).toHaveLength(2);
    const tiny = await log.read(0n, 1, true);
    expect(tiny.batches).toHaveLength(1);
    expect((await log.read(0n, 1, false)).batches).toHaveLength(0);
    expect((await log.read(10n, 1 << 20, true)).batches).toHaveLength(0);
  });

  it('finds offsets by timestamp, with non-monotonic timestamps', async () => {
    await appendTo(temp.store, log, [batchOf([100, 300, 200])]); // offsets 0-2, max 300
    await appendTo(temp.store, log, [batchOf([150, 250])]); // 3-4, max 250 (no index entry)
    await appendTo(temp.store, log, [batchOf([400, 350])]); // 5-6, max 400
    await appendTo(temp.store, log, [batchOf([-5])]); // 7
    const at = async (t: number) => (await log.offsetForTimestamp(t))?.offset ?? -1n;
    expect(await at(0)).toBe(0n);
    expect(await at(100)).toBe(0n);
    expect(await at(101)).toBe(1n);
    expect(await at(250)).toBe(1n);
    expect(await at(301)).toBe(5n);
    expect(await at(360)).toBe(5n);
    expect(await at(400)).toBe(5n);
    expect(await at(401)).toBe(-1n);
    expect((await log.offsetForTimestamp(350))?.timestampMs).toBe(400);
  });

  it('uses the append time for LogAppendTime batches', async () => {
    await appendTo(temp.store, log, [batchOf([1, 2])], 0, 5_000);
    const [batch] = (await log.read(0n, 1 << 20, true)).batches;
    const decoded = decodeRecordBatch(batch!);
    expect(decoded.header.timestampType).toBe(TimestampType.LogAppendTime);
    expect(decoded.records.map((r) => r.timestamp)).toEqual([5_000, 5_000]);
    expect((await log.offsetForTimestamp(3))?.offset).toBe(0n);
    expect(await log.offsetForTimestamp(5_001)).toBeNull();
  });

  it('keeps LEO, log start, size and running max timestamp across reopen', async () => {
    await appendTo(temp.store, log, [batchOf([10, 20])]);
    await appendTo(temp.store, log, [batchOf([30])]);
    await log.applyRetention({ retentionMs: -1, retentionBytes: batchOf([30]).length }, Date.now());
    const before = { lso: log.logStartOffset, leo: log.logEndOffset, size: log.sizeBytes };
    expect(before.lso).toBe(2n);
    const reopened = await PartitionLog.load(await temp.reopen(), TOPIC_ID, 0);
    expect({ lso: reopened.logStartOffset, leo: reopened.logEndOffset, size: reopened.sizeBytes }).toEqual(
      before,
    );
    expect(reopened.highWatermark).toBe(3n);
    // The running max (30) survived: a smaller timestamp adds no index entry, lookups still work.
    await appendTo(temp.store, reopened, [batchOf([25])]);
    expect((await reopened.offsetForTimestamp(26))?.offset).toBe(2n);
    expect((await reopened.offsetForTimestamp(25))?.offset).toBe(2n);
  });

  it('deletes old batches by time and moves the log start offset', async () => {
    const now = 1_000_000;
    await appendTo(temp.store, log, [batchOf([now - 5_000])]); // 0
    await appendTo(temp.store, log, [batchOf([now - 4_000, now - 3_500])]); // 1-2
    await appendTo(temp.store, log, [batchOf([now - 100])]); // 3
    expect(await log.applyRetention(NO_RETENTION, now)).toBe(0);
    expect(await log.applyRetention({ retentionMs: 3_000, retentionBytes: -1 }, now)).toBe(2);
    expect(log.logStartOffset).toBe(3n);
    expect(log.logEndOffset).toBe(4n);
    expect(offsetsIn(Buffer.concat((await log.read(3n, 1 << 20, true)).batches))).toEqual([3n]);
    // Lookups by time still start at the log start.
    expect((await log.offsetForTimestamp(0))?.offset).toBe(3n);
    // Everything expired: the log is empty, log start = log end.
    expect(await log.applyRetention({ retentionMs: 0, retentionBytes: -1 }, now + 1_000)).toBe(1);
    expect(log.logStartOffset).toBe(4n);
    expect(log.sizeBytes).toBe(0);
    expect(await log.offsetForTimestamp(0)).toBeNull();
    expect(await appendTo(temp.store, log, [batchOf([now])])).toBe(4n);
  });

  it('deletes from the front by size, never below retention.bytes', async () => {
    for (let i = 0; i < 4; i++) await appendTo(temp.store, log, [batchOf([i])]);
    const batchSize = log.sizeBytes / 4;
    expect(await log.applyRetention({ retentionMs: -1, retentionBytes: batchSize * 2 }, 0)).toBe(2);
    expect(log.logStartOffset).toBe(2n);
    expect(log.sizeBytes).toBe(batchSize * 2);
    expect(await log.applyRetention({ retentionMs: -1, retentionBytes: batchSize * 2 }, 0)).toBe(0);
    expect(await log.applyRetention({ retentionMs: -1, retentionBytes: batchSize * 2 - 1 }, 0)).toBe(0);
    expect(await log.applyRetention({ retentionMs: -1, retentionBytes: batchSize }, 0)).toBe(1);
    expect(log.logStartOffset).toBe(3n);
  });

  it('leaves index entries consistent after retention (non-monotonic timestamps)', async () => {
    await appendTo(temp.store, log, [batchOf([500])]); // 0, index 500
    await appendTo(temp.store, log, [batchOf([100])]); // 1, no entry
    await appendTo(temp.store, log, [batchOf([600])]); // 2, index 600
    const batchSize = log.sizeBytes / 3;
    await log.applyRetention({ retentionMs: -1, retentionBytes: batchSize * 2 }, 0);
    expect(log.logStartOffset).toBe(1n);
    // Offset 1 (timestamp 100) is the first with timestamp >= 50; the index must not skip it.
    expect((await log.offsetForTimestamp(50))?.offset).toBe(1n);
    expect((await log.offsetForTimestamp(550))?.offset).toBe(2n);
  });

  it('keeps appends running concurrently with retention contiguous', async () => {
    for (let i = 0; i < 3; i++) await appendTo(temp.store, log, [batchOf([i])]);
    const retention = log.applyRetention({ retentionMs: 0, retentionBytes: -1 }, Date.now());
    const appends = Array.from({ length: 5 }, () =>
      appendTo(temp.store, log, [batchOf([Date.now() + 60_000])]),
    );
    await Promise.all([retention, ...appends]);
    expect(log.logEndOffset).toBe(8n);
    const remaining = offsetsIn(Buffer.concat((await log.read(log.logStartOffset, 1 << 20, true)).batches));
    expect(remaining.at(-1)).toBe(7n);
    expect(remaining).toEqual(
      Array.from({ length: remaining.length }, (_, i) => 8n - BigInt(remaining.length) + BigInt(i)),
    );
    const reopened = await PartitionLog.load(await temp.reopen(), TOPIC_ID, 0);
    expect(reopened.logEndOffset).toBe(8n);
    expect(reopened.sizeBytes).toBe(log.sizeBytes);
  });

  it('rolls back offsets when the write fails, storing nothing', async () => {
    await appendTo(temp.store, log, [batchOf([1])]);
    const keysBefore = await dumpKeys(temp.store);
    await temp.store.db.close();
    await expect(appendTo(temp.store, log, [batchOf([2])])).rejects.toThrow();
    expect(log.logEndOffset).toBe(1n);
    await temp.store.db.open();
    expect(await dumpKeys(temp.store)).toEqual(keysBefore);
    expect(await appendTo(temp.store, log, [batchOf([3])])).toBe(1n);
  });
});
