import { ErrorCode, grpcRequestError, LEADER_HINT_METADATA_KEY } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** A NOT_COORDINATOR answer, with the id of the leader it names (for re-pointing its hint). */
export interface NotCoordinatorError extends grpc.ServiceError {
  /** The voter believed to lead; undefined while none is known. */
  readonly leaderId: number | undefined;
}

/**
 * The answer of a coordinator that cannot serve a request because it does not lead the quorum
 * (or was just elected and has not caught up): 16 NOT_COORDINATOR, retriable, gRPC status
 * UNAVAILABLE, with the leader's address in the `fjord-coordinator-leader` trailer when it is
 * known. Clients retry there. `leaderAddress` is the leader's address on the listener of the
 * call when known (see {@link pointLeaderHint} for errors made without a call at hand).
 */
export function notCoordinatorError(
  message: string,
  leaderId: number | undefined,
  leaderAddress: string | undefined,
): NotCoordinatorError {
  const error = grpcRequestError(grpc.status.UNAVAILABLE, ErrorCode.NOT_COORDINATOR, message);
  if (leaderAddress !== undefined) error.metadata.set(LEADER_HINT_METADATA_KEY, leaderAddress);
  return Object.assign(error, { leaderId });
}

/** True for an answer made by {@link notCoordinatorError}. */
export function isNotCoordinatorError(error: unknown): error is NotCoordinatorError {
  return error instanceof Error && 'leaderId' in error && 'metadata' in error;
}

/**
 * Sets the leader hint of a NOT_COORDINATOR answer to `leaderAddress`, or removes it when
 * undefined (the leader has no address a client of that listener could use).
 */
export function pointLeaderHint(error: NotCoordinatorError, leaderAddress: string | undefined): void {
  error.metadata.remove(LEADER_HINT_METADATA_KEY);
  if (leaderAddress !== undefined) error.metadata.set(LEADER_HINT_METADATA_KEY, leaderAddress);
}
