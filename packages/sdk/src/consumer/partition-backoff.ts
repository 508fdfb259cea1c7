import type { FjordError } from '../errors.js';
import type { Logger } from '../logger.js';
import { backoffMs, type Clock, type RetryPolicy } from '../retry.js';
import { tpKey } from '../topic-partition.js';
import type { PartitionState } from './partition-state.js';

/** What a {@link PartitionBackoff} needs. */
export interface PartitionBackoffDeps {
  /** Forgets a topic's cached metadata, so the next attempt finds moved leaders. */
  invalidate: (topic: string) => void;
  retry: RetryPolicy;
  clock: Clock;
  logger: Logger;
  /** Hands an error to the next poll(). */
  report: (error: FjordError) => void;
}

/**
 * Per-partition retry timing: a partition whose fetch or offset lookup failed is not tried
 * again before its `retryAt`, which grows with each consecutive failure, so that no failure
 * makes the consumer ask a broker in a tight loop.
 */
export class PartitionBackoff {
  readonly #deps: PartitionBackoffDeps;

  constructor(deps: PartitionBackoffDeps) {
    this.#deps = deps;
  }

  /**
   * A retriable failure refreshes the topics' metadata and backs the partitions off; any other
   * failure is reported to the next poll().
   */
  fail(states: readonly PartitionState[], error: FjordError): void {
    if (!error.retriable) {
      this.#deps.report(error);
      return;
    }
    for (const state of states) this.#deps.invalidate(state.topic);
    this.backOff(states);
    this.#deps.logger.debug('fetch failed, will retry', {
      partitions: states.map(tpKey),
      error: error.message,
    });
  }

  /** Holds the partitions back for the next, longer, wait. */
  backOff(states: readonly PartitionState[]): void {
    const now = this.#deps.clock.now();
    for (const state of states) {
      state.retryAt = now + backoffMs(state.failures, this.#deps.retry);
      state.failures++;
    }
  }

  /** Holds the partitions back for the first wait, without counting a failure. */
  delay(states: readonly PartitionState[]): void {
    const retryAt = this.#deps.clock.now() + backoffMs(0, this.#deps.retry);
    for (const state of states) state.retryAt = retryAt;
  }

  /** True while the partition waits for its backoff to end. */
  holdsBack(state: PartitionState): boolean {
    return state.retryAt > this.#deps.clock.now();
  }

  /** How long until a partition held back may be tried again (Infinity when none is). */
  nextRetryIn(states: readonly PartitionState[]): number {
    const now = this.#deps.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const s of states) if (s.retryAt > now) next = Math.min(next, s.retryAt - now);
    return next;
  }
}
