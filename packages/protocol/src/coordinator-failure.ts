import * as grpc from '@grpc/grpc-js';
import { ErrorCode } from './errors.js';
import { ERROR_CODE_METADATA_KEY, LEADER_HINT_METADATA_KEY } from './grpc.js';

/**
 * What a failed coordinator call says about where to send the next attempt:
 * - `not-coordinator`: the coordinator answered but is not the quorum leader (16
 *   NOT_COORDINATOR); `leaderHint` is the leader's client address when it named one.
 * - `unreachable`: no answer (connection refused or lost, deadline exceeded); another voter
 *   may answer.
 * - `final`: a real answer (an error of the request itself); asking another voter would not
 *   change it.
 */
export type CoordinatorFailure =
  | { kind: 'not-coordinator'; leaderHint?: string }
  | { kind: 'unreachable' }
  | { kind: 'final' };

/** Whether `value` looks like a grpc-js ServiceError (a code and trailers). */
function isServiceError(value: unknown): value is grpc.ServiceError {
  return (
    value instanceof Error &&
    typeof (value as Partial<grpc.ServiceError>).code === 'number' &&
    (value as Partial<grpc.ServiceError>).metadata instanceof grpc.Metadata
  );
}

/** The leader address a NOT_COORDINATOR answer carries in its trailer, if any. */
export function leaderHintOf(error: unknown): string | undefined {
  if (!isServiceError(error)) return undefined;
  const hint = error.metadata.get(LEADER_HINT_METADATA_KEY)[0];
  const text = hint === undefined ? '' : String(hint).trim();
  return text === '' ? undefined : text;
}

/**
 * Classifies a gRPC error of a call to a coordinator (see {@link CoordinatorFailure}).
 * Anything that is not a gRPC error (a bug in the caller, say) is `final`.
 */
export function classifyCoordinatorGrpcError(error: unknown): CoordinatorFailure {
  if (!isServiceError(error)) return { kind: 'final' };
  const code = error.metadata.get(ERROR_CODE_METADATA_KEY)[0];
  if (code !== undefined && Number(code) === ErrorCode.NOT_COORDINATOR) {
    const leaderHint = leaderHintOf(error);
    return leaderHint === undefined ? { kind: 'not-coordinator' } : { kind: 'not-coordinator', leaderHint };
  }
  if (code !== undefined) return { kind: 'final' };
  switch (error.code) {
    case grpc.status.UNAVAILABLE:
    case grpc.status.DEADLINE_EXCEEDED:
      return { kind: 'unreachable' };
    default:
      return { kind: 'final' };
  }
}
