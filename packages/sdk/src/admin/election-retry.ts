import { NotCoordinatorError } from '../errors.js';
import { type Clock, type RetryPolicy, retry } from '../retry.js';

/** Runs one admin call again, with backoff, while the coordinator quorum has no leader. */
export type ElectionRetry = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * An {@link ElectionRetry} bounded by `timeoutMs` per call. Only NotCoordinatorError is
 * retried (a coordinator answered: an election is running, and the request was not applied);
 * every other failure, a cluster that does not answer at all included, is thrown at once.
 */
export function electionRetry(policy: RetryPolicy, clock: Clock, timeoutMs: () => number): ElectionRetry {
  return (call) =>
    retry(call, {
      policy,
      deadline: clock.now() + timeoutMs(),
      clock,
      retryable: (error) => error instanceof NotCoordinatorError,
      exhausted: (last) => last,
    });
}
