import { type CoordinatorAttemptFailure, type CoordinatorFailure, leaderHintOf } from '@fjord/protocol';
import { ConnectionError, FjordError, NotCoordinatorError } from '../errors.js';

/**
 * Where the SDK sends a coordinator call after this failure: to the leader a NOT_COORDINATOR
 * answer names, to another voter after a connection failure or a timeout, nowhere else after
 * any other error (the request's own answer, or the client closing).
 */
export function classifySdkFailure(error: unknown): CoordinatorFailure {
  const failure = FjordError.from(error);
  if (failure instanceof NotCoordinatorError) {
    const leaderHint = leaderHintOf(failure.cause);
    return leaderHint === undefined ? { kind: 'not-coordinator' } : { kind: 'not-coordinator', leaderHint };
  }
  if (failure.code === 'CONNECTION_ERROR' || failure.code === 'REQUEST_TIMEOUT')
    return { kind: 'unreachable' };
  return { kind: 'final' };
}

/**
 * The error of a coordinator call that found no leader. Both kinds are retriable, so the
 * caller's retry loop tries again: NotCoordinatorError when a coordinator answered (an
 * election is running), else the connection failure (one address) or a ConnectionError
 * naming every address tried.
 */
export function exhaustedError(
  failures: readonly CoordinatorAttemptFailure[],
  known: readonly string[],
): FjordError {
  const errors = failures.map((f) => FjordError.from(f.error, f.address));
  const last = errors.at(-1) as FjordError;
  const answered = errors.filter((e) => e instanceof NotCoordinatorError);
  if (answered.length > 0) {
    const tried = failures.map((f) => f.address).join(', ');
    return new NotCoordinatorError(
      `no coordinator leads right now (asked ${tried}): ${last.rawMessage}`,
      undefined,
      {
        cause: last,
      },
    );
  }
  if (errors.length === 1) return last;
  return new ConnectionError(
    `no coordinator reachable at ${known.join(', ')}: ${errors.map((e) => e.message).join('; ')}`,
    undefined,
    { cause: last },
  );
}
