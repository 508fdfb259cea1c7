import { FjordError, RequestTimeoutError, RetriesExceededError } from './errors.js';

/** Backoff between retries of a retriable failure. */
export interface RetryPolicy {
  /** Wait before the first retry, in milliseconds. */
  initialRetryMs: number;
  /** Upper bound of a single wait, in milliseconds. */
  maxRetryMs: number;
  /** Factor applied to the wait after each attempt. */
  multiplier: number;
  /** Random spread of each wait, as a fraction (0.2 = ±20%), so clients do not retry in lockstep. */
  jitter: number;
}

/** Time source, injectable so retry logic can be tested without real time passing. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Wait before retry number `attempt` (0-based): exponential, capped, with jitter. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxRetryMs, policy.initialRetryMs * policy.multiplier ** attempt);
  const spread = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * spread));
}

/** How a {@link retry} loop runs. */
export interface RetryOptions {
  policy: RetryPolicy;
  /** Absolute time (per `clock.now()`) after which no new attempt starts. */
  deadline: number;
  clock?: Clock;
  random?: () => number;
  /** Which failures are retried (default: those marked `retriable`); the others are thrown at once. */
  retryable?: (error: FjordError) => boolean;
  /** Called before each wait; a good place to refresh metadata and log. */
  onRetry?: (error: FjordError, attempt: number, waitMs: number) => void | Promise<void>;
  /** Builds the error thrown when time runs out; receives the last failure. Default RetriesExceededError. */
  exhausted?: (last: FjordError, attempts: number) => FjordError;
}

/**
 * Runs `fn` until it succeeds, retrying only retriable failures (per `FjordError.retriable`,
 * or `options.retryable`)
 * with backoff, and never starting an attempt or a wait that would end after `deadline`.
 * Non-retriable failures are thrown at once, as they are.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  let previous: FjordError | undefined;
  for (let attempt = 0; ; attempt++) {
    let error: FjordError;
    try {
      return await fn(attempt);
    } catch (thrown) {
      error = FjordError.from(thrown);
    }
    if (!(options.retryable ? options.retryable(error) : error.retriable)) throw error;
    const waitMs = backoffMs(attempt, options.policy, options.random);
    if (clock.now() + waitMs >= options.deadline) {
      // An attempt cut short by this loop's own deadline says nothing new: report the
      // failure that kept us retrying (e.g. NOT_LEADER_OR_FOLLOWER) instead of the timeout.
      const cause =
        error instanceof RequestTimeoutError && previous !== undefined && clock.now() >= options.deadline
          ? previous
          : error;
      throw options.exhausted
        ? options.exhausted(cause, attempt + 1)
        : new RetriesExceededError(`gave up after ${attempt + 1} attempts: ${cause.message}`, { cause });
    }
    previous = error;
    await options.onRetry?.(error, attempt, waitMs);
    await clock.sleep(waitMs);
  }
}
