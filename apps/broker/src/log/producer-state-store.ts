import {
  KeyKind,
  partitionPrefix,
  prefixUpperBound,
  producerIdOfStateKey,
  producerStateKey,
} from './keys.js';
import { decodeProducerEntry, encodeProducerEntry, type ProducerStates } from './producer-state.js';
import type { BrokerDb } from './store.js';
import type { WriteOp } from './write-queue.js';

/**
 * Storage of a partition's idempotent-producer state: one key per producer id under the
 * partition's prefix (log/keys.ts), written in the same LevelDB batch as the log change
 * that caused it. An append therefore writes only the entries of the producers it touched
 * (about 200 bytes each), not the whole state: with 1,000 producers each keeping 5 batches
 * the state is ~225 KB, which used to be rewritten by every append.
 */

/** Reads every producer entry of a partition, ordered by last append (oldest first). */
export async function loadProducerStates(
  db: BrokerDb,
  topicId: Buffer,
  partition: number,
): Promise<ProducerStates> {
  const prefix = partitionPrefix(KeyKind.ProducerState, topicId, partition);
  const entries: Array<[bigint, ReturnType<typeof decodeProducerEntry>]> = [];
  for await (const [key, value] of db.iterator({ gte: prefix, lt: prefixUpperBound(prefix) })) {
    const producerId = producerIdOfStateKey(key);
    try {
      entries.push([producerId, decodeProducerEntry(value)]);
    } catch (error) {
      throw new Error(`producer ${producerId} has an unreadable state entry`, { cause: error });
    }
  }
  // Keys sort by producer id; expiry needs the order of last appends.
  entries.sort(([, a], [, b]) => a.lastAppendMs - b.lastAppendMs);
  return new Map(entries);
}

/** Puts (or deletes, when no longer in `states`) the entries of `producerIds`. */
export function producerEntryOps(
  topicId: Buffer,
  partition: number,
  states: ProducerStates,
  producerIds: Iterable<bigint>,
): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const producerId of new Set(producerIds)) {
    const key = producerStateKey(topicId, partition, producerId);
    const entry = states.get(producerId);
    ops.push(entry ? { type: 'put', key, value: encodeProducerEntry(entry) } : { type: 'del', key });
  }
  return ops;
}

/**
 * The ops that turn the stored `before` into `after` (e.g. after a truncation): entries are
 * immutable, so a changed entry is a different object.
 */
export function producerDiffOps(
  topicId: Buffer,
  partition: number,
  before: ProducerStates,
  after: ProducerStates,
): WriteOp[] {
  const changed: bigint[] = [];
  for (const [producerId, entry] of after) if (before.get(producerId) !== entry) changed.push(producerId);
  for (const producerId of before.keys()) if (!after.has(producerId)) changed.push(producerId);
  return producerEntryOps(topicId, partition, after, changed);
}
