import type { ProducerStates } from './producer-state.js';

/**
 * The numbers that describe one partition log. A {@link PartitionLog} keeps two copies:
 * `committed` (what is on disk) and `pending` (after every queued write), so that offsets
 * can be assigned synchronously while earlier writes are still in flight.
 */
export interface PartitionState {
  logStartOffset: bigint;
  /** Offset the next appended record gets. */
  logEndOffset: bigint;
  sizeBytes: number;
  /** Largest batch max timestamp so far (the time index's running max); null before the first batch. */
  maxTimestampMs: number | null;
  leaderEpochCache: Array<[number, bigint]>;
  /** Idempotent producers' epochs and last batches (producer-state.ts); entries are immutable. */
  producers: ProducerStates;
}

/** A copy that shares nothing mutable with `state`. */
export function copyState(state: PartitionState): PartitionState {
  return {
    ...state,
    leaderEpochCache: state.leaderEpochCache.map(([e, o]) => [e, o]),
    producers: new Map(state.producers),
  };
}

/**
 * The epoch cache after starting the log at `newStart`: entries that end at or before it
 * are dropped and the first kept entry starts no earlier than `newStart`.
 */
export function truncateEpochCacheStart(
  cache: Array<[number, bigint]>,
  newStart: bigint,
): Array<[number, bigint]> {
  const kept = cache.filter((_, i) => {
    const next = cache[i + 1];
    return next === undefined || next[1] > newStart;
  });
  return kept.map(([epoch, start], i) => [epoch, i === 0 && start < newStart ? newStart : start]);
}
