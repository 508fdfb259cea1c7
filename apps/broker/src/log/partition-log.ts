import {
  type BatchHeader,
  ErrorCode,
  parseTopicConfig,
  patchBaseOffset,
  patchPartitionLeaderEpoch,
  readBatchHeader,
  setLogAppendTime,
} from '@fjord/protocol';
import {
  baseOffsetOfLogKey,
  KeyKind,
  logKey,
  metaKey,
  parseTimeIndexKey,
  partitionPrefix,
  timeIndexKey,
  topicIdToBytes,
} from './keys.js';
import { decodePartitionMeta, emptyPartitionMeta, encodePartitionMeta } from './partition-meta.js';
import {
  batchBaseAtOrBefore,
  findOffsetForTimestamp,
  lastEntry,
  scanFrontBatchesToDelete,
  type TimestampLookup,
  timeIndexKeysBelow,
} from './partition-scans.js';
import { copyState, type PartitionState, truncateEpochCacheStart } from './partition-state.js';
import {
  checkSequence,
  expiredProducerIds,
  isIdempotent,
  type ProducerBatchEntry,
  ProducerSequenceError,
  producerStatesFromLegacy,
  recordBatch,
} from './producer-state.js';
import { loadProducerStates, producerEntryOps } from './producer-state-store.js';
import type { RetentionPolicy } from './retention-policy.js';
import type { LogStore } from './store.js';
import type { PartitionTail } from './tail-cache.js';
import type { WriteOp } from './write-queue.js';

export type { TimestampLookup } from './partition-scans.js';

/** The topic default of producer.id.expiration.ms, until the topic's config is applied. */
const DEFAULT_PRODUCER_ID_EXPIRATION_MS = parseTopicConfig({})['producer.id.expiration.ms'];

/** Options of {@link PartitionLog.load}. */
export interface PartitionLogOptions {
  /** The clock producer ids expire by (default Date.now). */
  nowMs?: () => number;
}

/** A batch that passed validation, ready to be appended (its bytes are patched in place). */
export interface ValidBatch {
  header: BatchHeader;
  bytes: Buffer;
}

/**
 * The storage half of an append: offsets are assigned, `ops` must be written in one
 * storage write, then `commit()` (or `rollback()` on failure) called in queue order.
 */
export interface PreparedAppend {
  baseOffset: bigint;
  /** Offset after the last record of the append (what acks=all waits for). */
  endOffset: bigint;
  ops: WriteOp[];
  commit(): void;
  rollback(): void;
}

/** A batch a committed write added at the end of the log. */
export interface AppendedBatch {
  baseOffset: bigint;
  /** Offset after its last record. */
  nextOffset: bigint;
  bytes: Buffer;
}

/** Batches read for a fetch, as stored. */
export interface ReadResult {
  batches: Buffer[];
  sizeBytes: number;
}

/**
 * Thrown by an append while a truncation of the log is queued or running (leadership
 * arrived while a follower round was still cutting the log): offsets given from the log end
 * before the cut would leave a hole after it. Retriable; nothing was changed.
 */
export class TruncationInProgressError extends ProducerSequenceError {
  constructor(topicId: string, partition: number) {
    super(
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      `partition ${topicId}/${partition} is still truncating to its previous leader's log; retry`,
    );
    this.name = 'TruncationInProgressError';
  }
}

/**
 * One partition's log in the broker's LevelDB: appends (offset assignment, time index,
 * meta), reads from an offset, lookups by timestamp and retention. The high watermark is
 * kept apart from the log end offset: with replication it trails the LEO; until then it
 * equals the committed LEO.
 */
export class PartitionLog {
  readonly topicIdBytes: Buffer;
  /** On disk. */
  private committed: PartitionState;
  /** After every queued write; offsets are assigned from here. */
  private pending: PartitionState;
  private highWatermarkOffset: bigint;
  /** The high watermark last written to meta (checkpoints are skipped when unchanged). */
  private checkpointedHighWatermark: bigint;
  /**
   * True for replicas of a replicated partition: the high watermark is then moved by the
   * replication layer (min LEO over the ISR, or the leader's), not by local appends.
   */
  private replicated = false;
  private readonly appendListeners = new Set<() => void>();
  private retentionRunning = false;
  private deleted = false;
  /** The truncation queued or running (replication), until it has reset the state. */
  private truncation: Promise<unknown> | undefined;
  private producerIdExpirationMs = DEFAULT_PRODUCER_ID_EXPIRATION_MS;
  /** The last committed batches, served to reads at the end of the log without LevelDB. */
  private readonly tail: PartitionTail;

  private constructor(
    private readonly store: LogStore,
    readonly topicId: string,
    readonly partition: number,
    state: PartitionState,
    checkpointedHighWatermark: bigint | undefined,
    /** @internal The clock of producer-id expiry. */
    readonly nowMs: () => number,
  ) {
    this.topicIdBytes = topicIdToBytes(topicId);
    this.tail = store.tailCache.partition();
    this.committed = state;
    this.pending = copyState(state);
    const hw = checkpointedHighWatermark ?? state.logEndOffset;
    // biome-ignore lint/complexity/useMathMinMax: bigint operands (Math.min takes numbers)
    this.highWatermarkOffset = hw < state.logEndOffset ? hw : state.logEndOffset;
    this.checkpointedHighWatermark = this.highWatermarkOffset;
  }

  /**
   * Loads a partition's state from storage (an empty log when nothing is stored yet). Meta of
   * an older broker that held the producer state is moved to per-producer keys here.
   */
  static async load(
    store: LogStore,
    topicId: string,
    partition: number,
    options: PartitionLogOptions = {},
  ): Promise<PartitionLog> {
    const db = store.db;
    const id = topicIdToBytes(topicId);
    const nowMs = options.nowMs ?? Date.now;
    const storedMeta = await db.get(metaKey(id, partition));
    const { legacyProducers, ...meta } = storedMeta
      ? decodePartitionMeta(storedMeta, topicId, partition)
      : emptyPartitionMeta();
    let producers = await loadProducerStates(db, id, partition);
    const migrate = legacyProducers !== undefined && producers.size === 0;
    if (migrate) producers = producerStatesFromLegacy(legacyProducers, nowMs());
    const last = await lastEntry(db, partitionPrefix(KeyKind.Log, id, partition));
    let logEndOffset = meta.logStartOffset;
    if (last) {
      const header = readBatchHeader(last[1]);
      logEndOffset = baseOffsetOfLogKey(last[0]) + BigInt(header.lastOffsetDelta) + 1n;
    }
    const lastIndex = await lastEntry(db, partitionPrefix(KeyKind.TimeIndex, id, partition));
    const maxTimestampMs = lastIndex ? parseTimeIndexKey(lastIndex[0]).timestampMs : null;
    const { highWatermark, ...rest } = meta;
    const log = new PartitionLog(
      store,
      topicId,
      partition,
      { ...rest, logEndOffset, maxTimestampMs, producers },
      highWatermark,
      nowMs,
    );
    if (migrate) {
      const state = log.pendingState;
      await store.write([...producerEntryOps(id, partition, producers, producers.keys()), log.metaOp(state)]);
    }
    return log;
  }

  /** Sets the topic's producer.id.expiration.ms (applied with its config). */
  setProducerIdExpirationMs(expirationMs: number): void {
    this.producerIdExpirationMs = expirationMs;
  }

  /**
   * @internal Removes the producers of `state` that expired by now and returns their ids
   * (their keys must be deleted in the same write).
   */
  expireProducers(state: PartitionState, nowMs: number): bigint[] {
    const expired = expiredProducerIds(state.producers, nowMs, this.producerIdExpirationMs);
    for (const producerId of expired) state.producers.delete(producerId);
    return expired;
  }

  get logStartOffset(): bigint {
    return this.committed.logStartOffset;
  }

  /** Offset after the last record on disk. */
  get logEndOffset(): bigint {
    return this.committed.logEndOffset;
  }

  /** Consumers read below this offset. */
  get highWatermark(): bigint {
    return this.highWatermarkOffset;
  }

  get sizeBytes(): number {
    return this.committed.sizeBytes;
  }

  /** [leaderEpoch, startOffset] pairs of the data on disk. */
  get leaderEpochCache(): ReadonlyArray<readonly [number, bigint]> {
    return this.committed.leaderEpochCache;
  }

  /** True once the topic was deleted; the log must not be used any more. */
  get isDeleted(): boolean {
    return this.deleted;
  }

  /**
   * Assigns offsets to `batches` (patching baseOffset and partitionLeaderEpoch in place, and
   * stamping LogAppendTime when `logAppendTimeMs` is given) and returns the storage ops.
   * Synchronous, so concurrent requests get contiguous, non-overlapping offsets and see each
   * other's producer sequences. A batch an idempotent producer already wrote is not
   * appended again: it keeps its original offsets (returned as `baseOffset` when it is the
   * first). Throws {@link ProducerSequenceError}, changing nothing, when a producer's
   * sequence or epoch refuses a batch, or a truncation of the log is in progress.
   */
  prepareAppend(batches: ValidBatch[], leaderEpoch: number, logAppendTimeMs: number | null): PreparedAppend {
    if (this.deleted) throw new Error(`partition ${this.topicId}/${this.partition} was deleted`);
    if (this.truncation) throw new TruncationInProgressError(this.topicId, this.partition);
    const nowMs = this.nowMs();
    const expired = expiredProducerIds(this.pending.producers, nowMs, this.producerIdExpirationMs);
    const duplicates = this.findDuplicates(batches, expired, nowMs);
    const state = this.pending;
    // Checked: from here on nothing throws, so the state may change.
    const touched = this.expireProducers(state, nowMs);
    let baseOffset: bigint | undefined;
    let endOffset = state.logEndOffset;
    const ops: WriteOp[] = [];
    const appended: AppendedBatch[] = [];
    for (const [i, { header, bytes }] of batches.entries()) {
      const duplicate = duplicates[i];
      if (duplicate) {
        baseOffset ??= duplicate.baseOffset;
        if (duplicate.lastOffset + 1n > endOffset) endOffset = duplicate.lastOffset + 1n;
        continue;
      }
      const offset = state.logEndOffset;
      baseOffset ??= offset;
      recordBatch(state.producers, header, offset, nowMs);
      if (isIdempotent(header)) touched.push(header.producerId);
      patchBaseOffset(bytes, offset);
      patchPartitionLeaderEpoch(bytes, leaderEpoch);
      let maxTimestampMs = header.maxTimestamp;
      if (logAppendTimeMs !== null) {
        setLogAppendTime(bytes, logAppendTimeMs);
        maxTimestampMs = logAppendTimeMs;
      }
      ops.push({ type: 'put', key: logKey(this.topicIdBytes, this.partition, offset), value: bytes });
      if (state.maxTimestampMs === null || maxTimestampMs > state.maxTimestampMs) {
        state.maxTimestampMs = maxTimestampMs;
        const key = timeIndexKey(this.topicIdBytes, this.partition, maxTimestampMs, offset);
        ops.push({ type: 'put', key, value: Buffer.alloc(0) });
      }
      const lastEpoch = state.leaderEpochCache.at(-1);
      if (!lastEpoch || lastEpoch[0] < leaderEpoch) state.leaderEpochCache.push([leaderEpoch, offset]);
      state.logEndOffset = offset + BigInt(header.lastOffsetDelta) + 1n;
      state.sizeBytes += bytes.length;
      endOffset = state.logEndOffset;
      appended.push({ baseOffset: offset, nextOffset: state.logEndOffset, bytes });
    }
    // Only the producers this append changed: the state of the others is on disk already.
    ops.push(...producerEntryOps(this.topicIdBytes, this.partition, state.producers, touched));
    // Even an append of duplicates only writes (the unchanged meta): its answer must wait
    // until the original write, queued earlier, has committed; if that write fails, this
    // one fails too (write-queue.ts).
    ops.push(this.metaOp(state));
    const after = copyState(state);
    return {
      baseOffset: baseOffset ?? state.logEndOffset,
      endOffset,
      ops,
      commit: () => this.commit(after, appended),
      rollback: () => this.rollback(),
    };
  }

  /**
   * Checks every batch's producer sequence against the queued state (and the batches before
   * it in the same call) before anything changes: per batch, the entry of the original
   * write when it is a duplicate, else undefined. Throws ProducerSequenceError on refusal.
   */
  private findDuplicates(
    batches: ValidBatch[],
    expired: readonly bigint[],
    nowMs: number,
  ): Array<ProducerBatchEntry | undefined> {
    if (!batches.some((b) => b.header.producerId >= 0n)) return batches.map(() => undefined);
    const producers = new Map(this.pending.producers);
    for (const producerId of expired) producers.delete(producerId);
    let offset = this.pending.logEndOffset;
    return batches.map(({ header }) => {
      const check = checkSequence(producers, header);
      if (check.kind === 'refuse') throw new ProducerSequenceError(check.errorCode, check.errorMessage);
      if (check.kind === 'duplicate') return check.entry;
      recordBatch(producers, header, offset, nowMs);
      offset += BigInt(header.lastOffsetDelta) + 1n;
      return undefined;
    });
  }
  /**
   * Reads whole batches from the one containing `fetchOffset` up to the high watermark,
   * stopping before `maxBytes` would be exceeded; with `minOneBatch` the first batch is
   * returned even when it is larger, so that a consumer always makes progress.
   */
  async read(
    fetchOffset: bigint,
    maxBytes: number,
    minOneBatch: boolean,
    upTo: 'highWatermark' | 'logEnd' = 'highWatermark',
  ): Promise<ReadResult> {
    // Followers replicate up to the log end; consumers see only committed records.
    const highWatermark = upTo === 'logEnd' ? this.committed.logEndOffset : this.highWatermarkOffset;
    const result: ReadResult = { batches: [], sizeBytes: 0 };
    if (fetchOffset >= highWatermark) return result;
    // The cache is used only while it ends where the log ends, so it cannot miss a batch.
    if (this.tail.endOffset === this.committed.logEndOffset) {
      const cached = this.tail.read(fetchOffset, highWatermark, maxBytes, minOneBatch);
      if (cached) return cached;
    }
    const start = (await batchBaseAtOrBefore(this.store.db, this, fetchOffset)) ?? this.logStartOffset;
    const values = this.store.db.values({
      gte: logKey(this.topicIdBytes, this.partition, start),
      lt: logKey(this.topicIdBytes, this.partition, highWatermark),
    });
    try {
      for await (const batch of values) {
        const fits = result.sizeBytes + batch.length <= maxBytes;
        if (!fits && (result.batches.length > 0 || !minOneBatch)) break;
        result.batches.push(batch);
        result.sizeBytes += batch.length;
        if (!fits) break;
      }
    } finally {
      await values.close();
    }
    return result;
  }

  /**
   * The first offset (below the high watermark) whose record timestamp is >= `timestampMs`,
   * or null. One seek in the time index finds the first batch that can hold such a record:
   * every batch before it has a smaller max timestamp.
   */
  async offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null> {
    return findOffsetForTimestamp(
      this.store.db,
      this,
      timestampMs,
      this.logStartOffset,
      this.highWatermarkOffset,
    );
  }

  /**
   * Deletes whole batches from the front that retention.ms or retention.bytes no longer
   * keep, and moves the log start offset, in one storage write. Only batches below the high
   * watermark are considered, so concurrent appends at the end are never touched.
   * Returns the number of batches deleted.
   */
  async applyRetention(policy: RetentionPolicy, nowMs: number): Promise<number> {
    if (this.retentionRunning || this.deleted) return 0;
    if (policy.retentionMs < 0 && policy.retentionBytes < 0) return 0;
    this.retentionRunning = true;
    try {
      const range = {
        from: this.logStartOffset,
        to: this.highWatermarkOffset,
        logSizeBytes: this.committed.sizeBytes,
      };
      const doomed = await scanFrontBatchesToDelete(this.store.db, this, range, policy, nowMs);
      const last = doomed.at(-1);
      if (!last || this.deleted) return 0;
      const newStart = last.baseOffset + BigInt(last.lastOffsetDelta) + 1n;
      const indexKeys = await timeIndexKeysBelow(this.store.db, this, newStart);
      const ops: WriteOp[] = doomed.map((b) => ({
        type: 'del',
        key: logKey(this.topicIdBytes, this.partition, b.baseOffset),
      }));
      // The last index entry at or below the new start still covers the first kept batches
      // (their max timestamps are <= its timestamp), so it stays; see offsetForTimestamp.
      for (const key of indexKeys.slice(0, -1)) ops.push({ type: 'del', key });
      const state = this.pending;
      state.logStartOffset = newStart;
      state.sizeBytes -= doomed.reduce((sum, b) => sum + b.sizeBytes, 0);
      state.leaderEpochCache = truncateEpochCacheStart(state.leaderEpochCache, newStart);
      ops.push(this.metaOp(state));
      const after = copyState(state);
      await this.store.write(ops, {
        onCommit: () => {
          this.tail.dropBelow(newStart);
          this.commit(after);
        },
        onFail: () => this.rollback(),
      });
      return doomed.length;
    } finally {
      this.retentionRunning = false;
    }
  }

  /** Calls `listener` after every committed append; returns the function that removes it. */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Marks the log deleted (its topic is gone) and wakes waiting fetches so they see it. */
  markDeleted(): void {
    this.deleted = true;
    this.tail.clear();
    this.notifyAppend();
  }

  /** Makes `state` the on-disk state; `appended` are the batches the write added at the end. */
  private commit(state: PartitionState, appended?: readonly AppendedBatch[]): void {
    for (const batch of appended ?? []) this.tail.append(batch.baseOffset, batch.nextOffset, batch.bytes);
    this.committed = state;
    // Without replication the leader is the whole ISR, so everything on disk is committed.
    if (!this.replicated) this.highWatermarkOffset = state.logEndOffset;
    if (appended) this.notifyAppend();
  }

  /** @internal For replication (replica-log.ts): replaces the on-disk and queued state. */
  resetState(state: PartitionState): void {
    this.tail.clear();
    this.committed = state;
    this.pending = copyState(state);
    if (this.highWatermarkOffset > state.logEndOffset) this.highWatermarkOffset = state.logEndOffset;
  }

  /** @internal The state after every queued write (replication appends from there). */
  get pendingState(): PartitionState {
    return this.pending;
  }

  /**
   * @internal Commits a follower append or an epoch start prepared by replica-log.ts, with
   * the batches it appended.
   */
  commitReplicated(state: PartitionState, appended: readonly AppendedBatch[] = []): void {
    this.commit(state, appended);
  }

  /** @internal Drops queued state after a failed replication write. */
  rollbackReplicated(): void {
    this.rollback();
  }

  /**
   * Switches the high watermark between "moved by appends" (a single replica) and "moved by
   * the replication layer"; switching off catches it up with the log end at once.
   */
  setReplicated(replicated: boolean): void {
    this.replicated = replicated;
    if (!replicated && this.highWatermarkOffset !== this.committed.logEndOffset) {
      this.highWatermarkOffset = this.committed.logEndOffset;
      this.notifyAppend();
    }
  }

  /** True while the replication layer moves the high watermark. */
  get isReplicated(): boolean {
    return this.replicated;
  }

  /** Sets the high watermark (capped at the log end) and wakes waiting fetches and acks when it moved. */
  setHighWatermark(offset: bigint): void {
    const capped = offset < this.committed.logEndOffset ? offset : this.committed.logEndOffset;
    if (capped === this.highWatermarkOffset) return;
    this.highWatermarkOffset = capped;
    this.notifyAppend();
  }

  /** Wakes waiting fetches and acks (e.g. after a leadership change) without an append. */
  wake(): void {
    this.notifyAppend();
  }

  /**
   * Writes the high watermark to meta when it moved since the last checkpoint. Waits for a
   * truncation in progress first: meta computed before it would write the removed suffix's
   * epochs, size and producers back.
   */
  async checkpointHighWatermark(): Promise<void> {
    await this.afterTruncation();
    if (this.deleted || this.highWatermarkOffset === this.checkpointedHighWatermark) return;
    await this.store.write([this.metaOp(this.pending)]);
  }

  /**
   * @internal For replication (replica-log.ts): runs a truncation, which reads and resets
   * the state when its turn in the write queue comes. Until it is done,
   * {@link afterTruncation} holds back writes that would compute meta from the state
   * before it.
   */
  truncating<T>(run: () => Promise<T>): Promise<T> {
    // Set synchronously, so a write asked for right after this call already waits.
    const running = (this.truncation ?? Promise.resolve()).catch(() => undefined).then(run);
    this.truncation = running;
    const clear = () => {
      if (this.truncation === running) this.truncation = undefined;
    };
    running.then(clear, clear);
    return running;
  }

  /** @internal Resolves once no truncation is queued or running. */
  async afterTruncation(): Promise<void> {
    while (this.truncation) await this.truncation.catch(() => undefined);
  }

  private rollback(): void {
    // Every write queued after a failed one fails too, so the disk state is the truth.
    this.pending = copyState(this.committed);
  }

  private notifyAppend(): void {
    for (const listener of [...this.appendListeners]) listener();
  }

  /**
   * @internal The meta write for `state`, with the current high watermark as checkpoint
   * (producer state has its own keys: producer-state-store.ts).
   */
  metaOp(state: PartitionState): WriteOp {
    const highWatermark = this.highWatermarkOffset;
    this.checkpointedHighWatermark = highWatermark;
    return {
      type: 'put',
      key: metaKey(this.topicIdBytes, this.partition),
      value: encodePartitionMeta({ ...state, highWatermark }),
    };
  }
}
