import { readBatchHeader, splitBatches } from '@fjord/protocol';
import {
  baseOffsetOfLogKey,
  KeyKind,
  logKey,
  parseTimeIndexKey,
  partitionPrefix,
  timeIndexKey,
} from '../log/keys.js';
import type { AppendedBatch, PartitionLog } from '../log/partition-log.js';
import { lastEntry } from '../log/partition-scans.js';
import { copyState } from '../log/partition-state.js';
import { isIdempotent, recordBatch, truncateProducerStates } from '../log/producer-state.js';
import { producerDiffOps, producerEntryOps } from '../log/producer-state-store.js';
import type { LogStore } from '../log/store.js';
import type { WriteOp } from '../log/write-queue.js';

/**
 * Log operations only replication needs: appending batches copied from the leader (bytes
 * as they are: offsets, leader epochs, producer ids and sequences included; the producer
 * state is rebuilt from their headers), truncating to where the log agrees with the
 * leader, and recording where a leader epoch starts.
 */

/** Thrown when fetched batches do not continue the log where it ends. */
export class NonContiguousAppendError extends Error {
  constructor(expected: bigint, got: bigint) {
    super(`follower append expected a batch at offset ${expected}, got ${got}`);
    this.name = 'NonContiguousAppendError';
  }
}

/**
 * Appends concatenated batches fetched from the leader, skipping those the log already
 * has. Checks CRCs and contiguity; resolves once written and committed.
 * Returns the number of batches appended.
 */
export async function appendAsFollower(store: LogStore, log: PartitionLog, records: Buffer): Promise<number> {
  if (records.length === 0) return 0;
  await log.afterTruncation();
  const batches = splitBatches(records);
  const state = log.pendingState;
  const ops: WriteOp[] = [];
  const nowMs = log.nowMs();
  const touched = log.expireProducers(state, nowMs);
  const appended: AppendedBatch[] = [];
  for (const { header, bytes } of batches) {
    const end = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
    if (end <= state.logEndOffset) continue;
    if (header.baseOffset !== state.logEndOffset)
      throw new NonContiguousAppendError(state.logEndOffset, header.baseOffset);
    ops.push({ type: 'put', key: logKey(log.topicIdBytes, log.partition, header.baseOffset), value: bytes });
    if (state.maxTimestampMs === null || header.maxTimestamp > state.maxTimestampMs) {
      state.maxTimestampMs = header.maxTimestamp;
      const key = timeIndexKey(log.topicIdBytes, log.partition, header.maxTimestamp, header.baseOffset);
      ops.push({ type: 'put', key, value: Buffer.alloc(0) });
    }
    const lastEpoch = state.leaderEpochCache.at(-1);
    if (!lastEpoch || lastEpoch[0] < header.partitionLeaderEpoch) {
      state.leaderEpochCache.push([header.partitionLeaderEpoch, header.baseOffset]);
    }
    // The same producer state as the leader's, so a new leader after failover answers a
    // producer's retry of a batch it got by replication as the duplicate it is.
    recordBatch(state.producers, header, header.baseOffset, nowMs);
    if (isIdempotent(header)) touched.push(header.producerId);
    state.logEndOffset = end;
    state.sizeBytes += bytes.length;
    appended.push({ baseOffset: header.baseOffset, nextOffset: end, bytes });
  }
  if (appended.length === 0 && touched.length === 0) return 0;
  ops.push(...producerEntryOps(log.topicIdBytes, log.partition, state.producers, touched));
  ops.push(log.metaOp(state));
  const after = copyState(state);
  await store.write(ops, {
    onCommit: () => log.commitReplicated(after, appended),
    onFail: () => log.rollbackReplicated(),
  });
  return appended.length;
}

/**
 * Records that leader epoch `epoch` starts at the current log end (a new leader does this
 * before its first append, so OffsetForLeaderEpoch answers correctly at once).
 */
export async function assignEpochStart(store: LogStore, log: PartitionLog, epoch: number): Promise<void> {
  // The epoch starts where the log ends after a truncation in progress, not before it.
  await log.afterTruncation();
  const state = log.pendingState;
  const last = state.leaderEpochCache.at(-1);
  if (last && last[0] >= epoch) return;
  state.leaderEpochCache.push([epoch, state.logEndOffset]);
  const after = copyState(state);
  await store.write([log.metaOp(state)], {
    onCommit: () => log.commitReplicated(after),
    onFail: () => log.rollbackReplicated(),
  });
}

/**
 * Removes every batch at or after `offset` (a batch that straddles it goes whole), with
 * its time-index entry and later leader-epoch entries, in one storage write queued after
 * every earlier write. With `restartAt` the whole log goes and starts again at that offset
 * (the follower fell below the leader's log start). Resolves with the new log end.
 * Meta writes of the log queued meanwhile wait for it (PartitionLog.truncating).
 */
export function truncateTo(
  store: LogStore,
  log: PartitionLog,
  offset: bigint,
  restartAt?: bigint,
): Promise<bigint> {
  return log.truncating(() => truncateNow(store, log, offset, restartAt));
}

async function truncateNow(
  store: LogStore,
  log: PartitionLog,
  offset: bigint,
  restartAt: bigint | undefined,
): Promise<bigint> {
  let newEnd = offset;
  await store.runExclusive(async (db) => {
    const state = copyState(log.pendingState);
    const keep = offset < state.logEndOffset ? offset : state.logEndOffset;
    const from = restartAt === undefined ? keep : state.logStartOffset;
    // An epoch that starts at the log end has no records but must go too (an intermediate
    // KIP-279 round cuts there), or the next round would ask for it again.
    const epochsToDrop = state.leaderEpochCache.some(([, start]) => start >= keep);
    if (restartAt === undefined && from >= state.logEndOffset && !epochsToDrop) {
      newEnd = state.logEndOffset;
      return;
    }
    const prefix = partitionPrefix(KeyKind.Log, log.topicIdBytes, log.partition);
    const [straddling] = await db
      .keys({ gte: prefix, lte: logKey(log.topicIdBytes, log.partition, from), reverse: true, limit: 1 })
      .all();
    let cut = from;
    if (straddling) {
      const base = baseOffsetOfLogKey(straddling);
      const value = await db.get(straddling);
      if (value && base < from && base + BigInt(readBatchHeader(value).lastOffsetDelta) + 1n > from)
        cut = base;
    }
    const ops: WriteOp[] = [];
    let freed = 0;
    for await (const [key, value] of db.iterator({
      gte: logKey(log.topicIdBytes, log.partition, cut),
      lt: logKey(log.topicIdBytes, log.partition, 0xffff_ffff_ffff_ffffn),
    })) {
      const header = readBatchHeader(value);
      ops.push({ type: 'del', key });
      ops.push({
        type: 'del',
        key: timeIndexKey(log.topicIdBytes, log.partition, header.maxTimestamp, header.baseOffset),
      });
      freed += value.length;
    }
    newEnd = restartAt ?? cut;
    state.logEndOffset = newEnd;
    state.sizeBytes = restartAt === undefined ? state.sizeBytes - freed : 0;
    if (restartAt !== undefined) state.logStartOffset = restartAt;
    state.leaderEpochCache = state.leaderEpochCache.filter(([, start]) => start < newEnd);
    if (restartAt !== undefined) state.leaderEpochCache = [];
    const producersBefore = state.producers;
    state.producers = restartAt === undefined ? truncateProducerStates(state.producers, newEnd) : new Map();
    ops.push(...producerDiffOps(log.topicIdBytes, log.partition, producersBefore, state.producers));
    if (log.highWatermark > newEnd) log.setHighWatermark(newEnd);
    ops.push(log.metaOp(state));
    await db.batch(ops);
    const lastIndex = await lastEntry(
      db,
      partitionPrefix(KeyKind.TimeIndex, log.topicIdBytes, log.partition),
    );
    state.maxTimestampMs = lastIndex ? parseTimeIndexKey(lastIndex[0]).timestampMs : null;
    log.resetState(state);
  });
  return newEnd;
}

/** The largest epoch <= `epoch` in `cache` and the offset where it ends (KIP-101). */
export function endOffsetForEpoch(
  cache: ReadonlyArray<readonly [number, bigint]>,
  logEndOffset: bigint,
  epoch: number,
): { epoch: number; endOffset: bigint } {
  let index = -1;
  for (let i = 0; i < cache.length; i++) if (cache[i]![0] <= epoch) index = i;
  if (index < 0) return { epoch: -1, endOffset: -1n };
  const next = cache[index + 1];
  return { epoch: cache[index]![0], endOffset: next ? next[1] : logEndOffset };
}

/** Where a follower truncates in one OffsetForLeaderEpoch round, and whether it must ask again. */
export interface TruncationStep {
  /** The offset to truncate to; -1 when the whole log diverges (the caller clamps to the log start). */
  offset: bigint;
  /**
   * False when the leader answered an epoch the follower does not have: the follower cuts
   * its log back to the end of its largest epoch below that one and asks again with that
   * epoch (KIP-279), as many rounds as it takes.
   */
  complete: boolean;
}

/**
 * Where a follower truncates given the leader's answer to OffsetForLeaderEpoch for the
 * follower's latest epoch (KIP-101 with KIP-279's refinement, as Kafka's
 * AbstractFetcherThread): when the follower has the epoch the leader answered, the smaller
 * of both ends of that epoch; when it does not, an intermediate cut at the end of its own
 * largest earlier epoch, and another round. Never above the follower's own log end.
 */
export function truncationOffset(
  followerCache: ReadonlyArray<readonly [number, bigint]>,
  followerLogEnd: bigint,
  followerHighWatermark: bigint,
  leader: { epoch: number; endOffset: bigint },
): TruncationStep {
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  if (leader.epoch < 0 || leader.endOffset < 0n)
    return { offset: min(followerHighWatermark, followerLogEnd), complete: true };
  const own = endOffsetForEpoch(followerCache, followerLogEnd, leader.epoch);
  // Every epoch we have is newer than anything the leader has: nothing of ours is shared.
  if (own.epoch < 0) return { offset: -1n, complete: true };
  if (own.epoch !== leader.epoch) return { offset: min(own.endOffset, followerLogEnd), complete: false };
  return { offset: min(min(leader.endOffset, own.endOffset), followerLogEnd), complete: true };
}
