import { EARLIEST_TIMESTAMP, ErrorCode, LATEST_TIMESTAMP } from '@fjord/protocol';
import type { PartitionOffset } from '../cluster/list-offsets.js';
import { FjordError, InvalidArgumentError, NoOffsetForPartitionError, protocolError } from '../errors.js';
import { groupBy } from '../group-by.js';
import type { Logger } from '../logger.js';
import type { ResolvedConsumerOptions } from '../options.js';
import { type Clock, type RetryPolicy, retry } from '../retry.js';
import { type TopicPartition, tpKey } from '../topic-partition.js';
import type { Assignment } from './assignment.js';
import type { PartitionBackoff } from './partition-backoff.js';
import { type PartitionState, seekState } from './partition-state.js';

/** The group's committed offsets of partitions this member was just given (epoch-checked). */
export type CommittedLookup = (
  partitions: readonly TopicPartition[],
) => Promise<Map<string, bigint | undefined>>;

/** Where a {@link PositionManager} looks offsets up: the partition leaders, through ListOffsets. */
export interface OffsetSource {
  /** The offsets at `timestamp` of partitions of one topic. */
  lookUp(
    topic: string,
    partitions: readonly number[],
    timestamp: number,
  ): Promise<Map<number, PartitionOffset>>;
  /** Forgets the topic's cached metadata, after a retriable failure. */
  invalidate(topic: string): void;
  /** How long seekTo() keeps retrying. */
  readonly requestTimeoutMs: number;
}

/** What a {@link PositionManager} needs. */
export interface PositionManagerDeps {
  offsets: OffsetSource;
  assignment: Assignment;
  autoOffsetReset: ResolvedConsumerOptions['autoOffsetReset'];
  retry: RetryPolicy;
  clock: Clock;
  logger: Logger;
  backoff: PartitionBackoff;
  /** Group mode only: where a newly owned partition starts. */
  committed?: CommittedLookup;
  /** Hands an error to the next poll(). */
  report: (error: FjordError) => void;
}

/**
 * Where each held partition reads next. A partition gets its position from a seek, from the
 * group's committed offset (group mode), or else from `autoOffsetReset`, looked up on the
 * partition leaders. Every move goes through {@link seekState}, which bumps the partition's
 * generation, so an answer (fetch or lookup) that was asked for before the move is dropped.
 */
export class PositionManager {
  readonly #deps: PositionManagerDeps;
  // Partitions a group gave us whose committed offset has not been looked up yet.
  readonly #awaitingCommitted = new Set<string>();

  constructor(deps: PositionManagerDeps) {
    this.#deps = deps;
  }

  /** A group just gave us this partition: it starts at the committed offset, once looked up. */
  awaitCommitted(tp: TopicPartition): void {
    this.#awaitingCommitted.add(tpKey(tp));
  }

  /** The partition is no longer held. */
  forget(tp: TopicPartition): void {
    this.#awaitingCommitted.delete(tpKey(tp));
  }

  /** Moves a held partition so the next record handed out is the one at `offset`. */
  seek(tp: TopicPartition, offset: bigint): void {
    if (typeof offset !== 'bigint' || offset < 0n)
      throw new InvalidArgumentError('offset must be a bigint >= 0n');
    seekState(this.#deps.assignment.get(tp), offset);
    this.#awaitingCommitted.delete(tpKey(tp));
  }

  /**
   * Moves held partitions to the offset the leaders answer for `timestamp` (EARLIEST_TIMESTAMP,
   * LATEST_TIMESTAMP), retrying retriable failures within the request timeout. A partition
   * sought meanwhile keeps the newer seek.
   */
  async seekTo(partitions: readonly TopicPartition[], timestamp: number): Promise<void> {
    const { assignment, retry: policy, clock, offsets } = this.#deps;
    const states = partitions.map((tp) => assignment.get(tp));
    const generations = new Map(states.map((s) => [s, s.generation]));
    await retry(
      async () => {
        for (const [, group] of groupBy(states, (s) => s.topic)) {
          await this.#lookUpAndSeek(group, timestamp, generations);
        }
      },
      { policy, deadline: clock.now() + offsets.requestTimeoutMs, clock },
    );
  }

  /**
   * Gives a position to every held partition without one and not backing off: the committed
   * offset first (group mode), then `autoOffsetReset`. Throws NoOffsetForPartitionError when
   * that is 'none'; lookup failures back the partitions off, or are reported.
   */
  async resetMissing(): Promise<void> {
    const { assignment, clock, autoOffsetReset: reset, logger, backoff } = this.#deps;
    const now = clock.now();
    await this.#lookUpCommitted(now);
    const waiting = assignment
      .states()
      .filter((s) => s.position === undefined && s.retryAt <= now && !this.#awaitingCommitted.has(tpKey(s)));
    if (waiting.length === 0) return;
    if (reset === 'none') {
      const names = waiting.map((s) => tpKey(s)).join(', ');
      throw new NoOffsetForPartitionError(
        `no position for ${names} and autoOffsetReset is 'none': seek() first`,
      );
    }
    const timestamp = reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    for (const [topic, states] of groupBy(waiting, (s) => s.topic)) {
      try {
        const sought = await this.#lookUpAndSeek(states, timestamp);
        for (const state of sought) {
          logger.debug('position reset', {
            topic,
            partition: state.partition,
            offset: String(state.position),
            reset,
          });
        }
      } catch (error) {
        backoff.fail(states, FjordError.from(error));
      }
    }
  }

  /** A fetch said the position is outside the log: reset it per `autoOffsetReset`, or report. */
  outOfRange(state: PartitionState, offset: bigint): void {
    const { autoOffsetReset: reset, report, logger } = this.#deps;
    if (reset === 'none') {
      report(
        protocolError(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `offset ${offset} is out of range and autoOffsetReset is 'none'`,
          {
            topic: state.topic,
            partition: state.partition,
          },
        ),
      );
      return;
    }
    logger.info('offset out of range, resetting', {
      topic: state.topic,
      partition: state.partition,
      offset: String(offset),
      reset,
    });
    seekState(state, undefined);
  }

  /**
   * The one offset lookup behind seekTo() and autoOffsetReset: asks the leaders of one topic's
   * partitions for the offset at `timestamp`, and seeks each partition whose generation is
   * still the one in `generations` (a seek that happened while the lookup ran wins). Returns
   * the partitions it moved; a retriable failure also refreshes the topic's metadata.
   */
  async #lookUpAndSeek(
    states: readonly PartitionState[],
    timestamp: number,
    generations: ReadonlyMap<PartitionState, number> = new Map(states.map((s) => [s, s.generation])),
  ): Promise<PartitionState[]> {
    const { offsets } = this.#deps;
    const topic = (states[0] as PartitionState).topic;
    let found: Map<number, PartitionOffset>;
    try {
      found = await offsets.lookUp(
        topic,
        states.map((s) => s.partition),
        timestamp,
      );
    } catch (error) {
      if (FjordError.from(error).retriable) offsets.invalidate(topic);
      throw error;
    }
    const sought: PartitionState[] = [];
    for (const state of states) {
      const offset = found.get(state.partition)?.offset;
      if (offset === undefined || state.generation !== generations.get(state)) continue;
      seekState(state, offset);
      sought.push(state);
    }
    return sought;
  }

  // Group partitions start at the group's committed offset; those without one fall through to
  // autoOffsetReset (a committed offset below the log start is reset when the fetch says so).
  async #lookUpCommitted(now: number): Promise<void> {
    const { committed, assignment, backoff, report } = this.#deps;
    if (!committed || this.#awaitingCommitted.size === 0) return;
    const states = assignment
      .states()
      .filter((s) => this.#awaitingCommitted.has(tpKey(s)) && s.retryAt <= now);
    if (states.length === 0) return;
    const generations = states.map((s) => s.generation);
    try {
      const found = await committed(states);
      states.forEach((state, i) => {
        const key = tpKey(state);
        if (!this.#awaitingCommitted.delete(key) || state.generation !== generations[i]) return;
        const offset = found.get(key);
        if (offset !== undefined) seekState(state, offset);
      });
    } catch (error) {
      const failure = FjordError.from(error);
      // A fenced member's lookup fails; the membership rejoins and these partitions go away.
      if (
        failure.retriable ||
        failure.code === 'FENCED_MEMBER_EPOCH' ||
        failure.code === 'STALE_MEMBER_EPOCH'
      ) {
        backoff.delay(states);
      } else report(failure);
    }
  }
}
