import { ErrorCode, grpcRequestError, LEADER_HINT_METADATA_KEY } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/**
 * The answer of a coordinator that cannot serve a request because it does not lead the quorum
 * (or was just elected and has not caught up): 16 NOT_COORDINATOR, retriable, gRPC status
 * UNAVAILABLE, with the leader's client address in the `fjord-coordinator-leader` trailer when
 * it is known. Clients retry there.
 */
export function notCoordinatorError(message: string, leaderAddress: string | undefined): grpc.ServiceError {
  const error = grpcRequestError(grpc.status.UNAVAILABLE, ErrorCode.NOT_COORDINATOR, message);
  if (leaderAddress !== undefined) error.metadata.set(LEADER_HINT_METADATA_KEY, leaderAddress);
  return error;
}
