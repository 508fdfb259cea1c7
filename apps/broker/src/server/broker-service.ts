import type { v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { fetch } from './fetch.js';
import { listOffsets } from './list-offsets.js';
import { offsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { produce } from './produce.js';
import type { BrokerServiceDeps } from './service-deps.js';

/** The BrokerService gRPC handlers over the given storage and hosted replicas. */
export function createBrokerService(deps: BrokerServiceDeps): v1.BrokerServiceHandlers {
  return {
    Produce: unary(deps, 'Produce', (call) => produce(deps, call.request)),
    Fetch: unary(deps, 'Fetch', (call) => {
      const cancelled = new AbortController();
      call.on('cancelled', () => cancelled.abort());
      return fetch(deps, call.request, cancelled.signal);
    }),
    ListOffsets: unary(deps, 'ListOffsets', (call) => listOffsets(deps, call.request)),
    OffsetForLeaderEpoch: unary(deps, 'OffsetForLeaderEpoch', (call) =>
      offsetForLeaderEpoch(deps, call.request),
    ),
  };
}

/**
 * Adapts an async handler to grpc-js: errors that are already gRPC errors (request-level
 * failures built with grpcRequestError) pass through; anything else is a bug and answers
 * INTERNAL after being logged.
 */
function unary<Req, Res>(
  deps: BrokerServiceDeps,
  method: string,
  handler: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call).then(
      (response) => callback(null, response),
      (error: unknown) => {
        if (isServiceError(error)) {
          callback(error);
          return;
        }
        deps.logger.error({ err: error, method }, 'request failed');
        callback({
          code: grpc.status.INTERNAL,
          details: `${method} failed: ${error instanceof Error ? error.message : String(error)}`,
        });
      },
    );
  };
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<grpc.ServiceError>).code === 'number' &&
    'metadata' in error
  );
}
