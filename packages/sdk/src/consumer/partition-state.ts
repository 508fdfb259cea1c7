import type { RecordDecodeError } from '../record-decode-error.js';
import type { TopicPartition } from '../topic-partition.js';
import type { FetchedRecord } from './consumer-record.js';

/** What the consumer keeps per assigned partition. */
export interface PartitionState {
  topic: string;
  partition: number;
  /** Offset of the next record to hand out; undefined until reset by autoOffsetReset or seek. */
  position: bigint | undefined;
  paused: boolean;
  /** Decoded records at or after `position`, not yet handed out. */
  buffered: FetchedRecord[];
  /** Where the buffered batches end: the position once the buffer is drained (skips empty/control tails). */
  bufferEnd: bigint;
  /** Bumped by seek/reset so a fetch answered after a seek is dropped, not applied. */
  generation: number;
  /**
   * The generation of the last Fetch sent for it (-1: none yet). A partition not fetched in its
   * current generation (just assigned, sought, resumed) may cut a Fetch in flight short.
   */
  fetchedGeneration: number;
  /** No fetch or offset lookup before this time (ms), after a retriable failure. */
  retryAt: number;
  /** Consecutive retriable failures, for backoff. */
  failures: number;
  /**
   * The batch at `bufferEnd` that could not be decoded: handed to poll() once the records
   * before it are, and not fetched again before the backoff ends.
   */
  undecodable: RecordDecodeError | undefined;
  /** Last high watermark the leader reported. */
  highWatermark?: bigint;
}

/** A fresh state for a newly assigned partition. */
export function newPartitionState(tp: TopicPartition): PartitionState {
  return {
    topic: tp.topic,
    partition: tp.partition,
    position: undefined,
    paused: false,
    buffered: [],
    bufferEnd: -1n,
    generation: 0,
    fetchedGeneration: -1,
    retryAt: 0,
    failures: 0,
    undecodable: undefined,
  };
}

/** Moves a partition to `position`, dropping anything buffered for the old one. */
export function seekState(state: PartitionState, position: bigint | undefined): void {
  state.position = position;
  state.buffered = [];
  state.bufferEnd = -1n;
  state.undecodable = undefined;
  state.generation++;
  state.failures = 0;
  state.retryAt = 0;
}
