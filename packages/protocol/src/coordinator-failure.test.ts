import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { classifyCoordinatorGrpcError, leaderHintOf } from './coordinator-failure.js';
import { ErrorCode } from './errors.js';
import { grpcRequestError, LEADER_HINT_METADATA_KEY } from './grpc.js';

function statusError(code: grpc.status): grpc.ServiceError {
  const error = new Error('boom') as grpc.ServiceError;
  error.code = code;
  error.details = 'boom';
  error.metadata = new grpc.Metadata();
  return error;
}

describe('classifyCoordinatorGrpcError', () => {
  it('reads NOT_COORDINATOR and the leader hint from the trailers', () => {
    const error = grpcRequestError(
      grpc.status.FAILED_PRECONDITION,
      ErrorCode.NOT_COORDINATOR,
      'not the leader',
    );
    expect(classifyCoordinatorGrpcError(error)).toEqual({ kind: 'not-coordinator' });
    error.metadata.set(LEADER_HINT_METADATA_KEY, '127.0.0.1:7401');
    expect(classifyCoordinatorGrpcError(error)).toEqual({
      kind: 'not-coordinator',
      leaderHint: '127.0.0.1:7401',
    });
    expect(leaderHintOf(error)).toBe('127.0.0.1:7401');
  });

  it('treats a lost connection and an exceeded deadline as unreachable', () => {
    expect(classifyCoordinatorGrpcError(statusError(grpc.status.UNAVAILABLE))).toEqual({
      kind: 'unreachable',
    });
    expect(classifyCoordinatorGrpcError(statusError(grpc.status.DEADLINE_EXCEEDED))).toEqual({
      kind: 'unreachable',
    });
  });

  it('keeps every other answer final', () => {
    expect(classifyCoordinatorGrpcError(statusError(grpc.status.INVALID_ARGUMENT))).toEqual({
      kind: 'final',
    });
    const other = grpcRequestError(grpc.status.FAILED_PRECONDITION, ErrorCode.TOPIC_ALREADY_EXISTS, 'exists');
    expect(classifyCoordinatorGrpcError(other)).toEqual({ kind: 'final' });
    expect(classifyCoordinatorGrpcError(new Error('bug'))).toEqual({ kind: 'final' });
    expect(leaderHintOf(new Error('bug'))).toBeUndefined();
  });
});
