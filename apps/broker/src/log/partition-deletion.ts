import { KeyKind, partitionPrefix, prefixUpperBound, topicIdToBytes } from './keys.js';
import type { LogStore } from './store.js';

/**
 * Keys deleted per LevelDB batch when a partition's data is deleted. Each chunk is one turn
 * of the broker's only write queue, so writes to other partitions wait behind one chunk, not
 * behind the whole partition (a chunk of log keys is a few hundred KiB of key bytes at most).
 */
export const DEFAULT_DELETION_CHUNK_KEYS = 2_000;

// Meta last: while it is stored, the first metadata apply after a crash finds the partition
// as "stored but not listed" and deletes whatever is left of it.
const DELETION_ORDER = [KeyKind.Log, KeyKind.TimeIndex, KeyKind.ProducerState, KeyKind.Meta];

/**
 * Deletes every key of one partition in chunks of at most `chunkKeys` keys, each chunk read
 * and deleted in its own exclusive turn of the write queue, queued behind whatever was
 * written meanwhile.
 */
export async function deletePartitionData(
  store: LogStore,
  topicId: string,
  partition: number,
  chunkKeys: number = DEFAULT_DELETION_CHUNK_KEYS,
): Promise<void> {
  if (!Number.isInteger(chunkKeys) || chunkKeys < 1) {
    throw new RangeError(`deletion chunk size must be a positive integer of keys, got ${chunkKeys}`);
  }
  const id = topicIdToBytes(topicId);
  for (const kind of DELETION_ORDER) {
    const prefix = partitionPrefix(kind, id, partition);
    const range = { gte: prefix, lt: prefixUpperBound(prefix), limit: chunkKeys };
    let deleted = chunkKeys;
    // A short chunk means the range is empty now.
    while (deleted === chunkKeys) {
      await store.runExclusive(async (db) => {
        const keys = await db.keys(range).all();
        deleted = keys.length;
        if (keys.length > 0) await db.batch(keys.map((key) => ({ type: 'del' as const, key })));
      });
    }
  }
}
