import { decodeRecordBatch, readBatchHeader, TimestampType } from '@fjord/protocol';
import {
  baseOffsetOfLogKey,
  KeyKind,
  logKey,
  parseTimeIndexKey,
  partitionPrefix,
  prefixUpperBound,
  timeIndexSeekKey,
} from './keys.js';
import { type RetentionPolicy, shouldDeleteFront } from './retention-policy.js';
import type { BrokerDb } from './store.js';

/** Identifies one partition's key ranges. */
export interface PartitionKeys {
  topicIdBytes: Buffer;
  partition: number;
}

/** Result of a lookup by timestamp. */
export interface TimestampLookup {
  offset: bigint;
  timestampMs: number;
  leaderEpoch: number;
}

/** A front batch chosen by retention. */
export interface DoomedBatch {
  baseOffset: bigint;
  lastOffsetDelta: number;
  sizeBytes: number;
}

/** The last key/value of a prefix range, or undefined when the range is empty. */
export async function lastEntry(db: BrokerDb, prefix: Buffer): Promise<[Buffer, Buffer] | undefined> {
  const [entry] = await db
    .iterator({ gte: prefix, lt: prefixUpperBound(prefix), reverse: true, limit: 1 })
    .all();
  return entry;
}

/** Base offset of the batch that contains `offset` (the largest base offset <= it), or null. */
export async function batchBaseAtOrBefore(
  db: BrokerDb,
  p: PartitionKeys,
  offset: bigint,
): Promise<bigint | null> {
  const [key] = await db
    .keys({
      gte: partitionPrefix(KeyKind.Log, p.topicIdBytes, p.partition),
      lte: logKey(p.topicIdBytes, p.partition, offset),
      reverse: true,
      limit: 1,
    })
    .all();
  return key ? baseOffsetOfLogKey(key) : null;
}

/**
 * The first offset in [logStartOffset, highWatermark) whose record timestamp is >=
 * `timestampMs`, or null. One seek in the time index finds the first batch that can hold
 * such a record (every batch before it has a smaller max timestamp); only that batch and,
 * if it has no match, the following ones are decoded.
 */
export async function findOffsetForTimestamp(
  db: BrokerDb,
  p: PartitionKeys,
  timestampMs: number,
  logStartOffset: bigint,
  highWatermark: bigint,
): Promise<TimestampLookup | null> {
  const indexPrefix = partitionPrefix(KeyKind.TimeIndex, p.topicIdBytes, p.partition);
  const [entry] = await db
    .keys({
      gte: timeIndexSeekKey(p.topicIdBytes, p.partition, timestampMs),
      lt: prefixUpperBound(indexPrefix),
      limit: 1,
    })
    .all();
  if (!entry) return null;
  const { baseOffset } = parseTimeIndexKey(entry);
  // The entry may point below the log start (retention keeps it); bigints have no Math.max.
  let start = logStartOffset;
  if (baseOffset > start) start = baseOffset;
  if (start >= highWatermark) return null;
  const values = db.values({
    gte: logKey(p.topicIdBytes, p.partition, start),
    lt: logKey(p.topicIdBytes, p.partition, highWatermark),
  });
  try {
    for await (const bytes of values) {
      const { header, records } = decodeRecordBatch(bytes);
      if (header.maxTimestamp < timestampMs) continue;
      const appendTime = header.timestampType === TimestampType.LogAppendTime;
      for (const record of records) {
        const recordTimestampMs = appendTime ? header.maxTimestamp : record.timestamp;
        if (
          recordTimestampMs >= timestampMs &&
          record.offset >= logStartOffset &&
          record.offset < highWatermark
        ) {
          return {
            offset: record.offset,
            timestampMs: recordTimestampMs,
            leaderEpoch: header.partitionLeaderEpoch,
          };
        }
      }
    }
  } finally {
    await values.close();
  }
  return null;
}

/**
 * The batches at the front of [from, to) that retention deletes, in order: it stops at the
 * first batch the policy keeps.
 */
export async function scanFrontBatchesToDelete(
  db: BrokerDb,
  p: PartitionKeys,
  range: { from: bigint; to: bigint; logSizeBytes: number },
  policy: RetentionPolicy,
  nowMs: number,
): Promise<DoomedBatch[]> {
  const doomed: DoomedBatch[] = [];
  let remainingBytes = range.logSizeBytes;
  const iterator = db.iterator({
    gte: logKey(p.topicIdBytes, p.partition, range.from),
    lt: logKey(p.topicIdBytes, p.partition, range.to),
  });
  try {
    for await (const [key, bytes] of iterator) {
      const header = readBatchHeader(bytes);
      const front = { sizeBytes: bytes.length, maxTimestampMs: header.maxTimestamp };
      if (!shouldDeleteFront(front, remainingBytes, policy, nowMs)) break;
      doomed.push({
        baseOffset: baseOffsetOfLogKey(key),
        lastOffsetDelta: header.lastOffsetDelta,
        sizeBytes: bytes.length,
      });
      remainingBytes -= bytes.length;
    }
  } finally {
    await iterator.close();
  }
  return doomed;
}

/** Time-index keys pointing at batches below `offset`, in index order. */
export async function timeIndexKeysBelow(db: BrokerDb, p: PartitionKeys, offset: bigint): Promise<Buffer[]> {
  const prefix = partitionPrefix(KeyKind.TimeIndex, p.topicIdBytes, p.partition);
  const keys: Buffer[] = [];
  const iterator = db.keys({ gte: prefix, lt: prefixUpperBound(prefix) });
  try {
    // Index entries ascend in both timestamp and base offset, so the matches are a prefix.
    for await (const key of iterator) {
      if (parseTimeIndexKey(key).baseOffset >= offset) break;
      keys.push(key);
    }
  } finally {
    await iterator.close();
  }
  return keys;
}
