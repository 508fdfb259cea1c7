import { afterEach, describe, expect, it } from 'vitest';
import { PartitionLog } from '../log/partition-log.js';
import { appendTo, batchOf, openTempStore, type TempStore } from '../log/temp-store.fixture.js';
import { appendAsFollower, truncateTo } from './replica-log.js';

const TOPIC_ID = '5b2c1e57-3d4f-4a8b-9c0d-1e2f3a4b5c6d';

// The broker's tail cache (log/tail-cache.ts) against a follower's truncation.
describe('a truncated follower log with a tail cache', () => {
  let temp: TempStore | undefined;
  afterEach(async () => {
    await temp?.cleanup();
    temp = undefined;
  });

  async function openLog() {
    temp = await openTempStore({ flushPolicy: 'os', flushIntervalMs: 1000, tailCacheBytes: 1 << 20 });
    return { temp, log: await PartitionLog.load(temp.store, TOPIC_ID, 0) };
  }

  it('never serves a batch a truncation removed', async () => {
    const { temp, log } = await openLog();
    log.setReplicated(true);
    await appendTo(temp.store, log, [batchOf([1, 2]), batchOf([3, 4]), batchOf([5])], 1);
    expect(log.logEndOffset).toBe(5n);
    await truncateTo(temp.store, log, 2n);
    // The new leader's batches at the same offsets, with other values.
    const replacement = batchOf([7, 8, 9], 'new');
    replacement.writeBigInt64BE(2n, 0);
    await appendAsFollower(temp.store, log, replacement);
    log.setHighWatermark(5n);
    const read = await log.read(2n, 1 << 20, true);
    expect(Buffer.concat(read.batches).includes('new0')).toBe(true);
    expect(read.batches).toHaveLength(1);
    expect(await log.read(0n, 1 << 20, true, 'logEnd')).toEqual(await readFromDisk(temp));
  });
});

/** What LevelDB holds for the log from offset 0 to its end, read past the cache. */
async function readFromDisk(temp: TempStore) {
  // A log loaded afresh has an empty cache.
  const reopened = await PartitionLog.load(temp.store, TOPIC_ID, 0);
  return reopened.read(0n, 1 << 20, true, 'logEnd');
}
