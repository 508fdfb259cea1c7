import { loadFjordProto, type v1 } from '@fjord/protocol';
import { type GrpcServiceBinding, unaryHandlers } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';
import { fetch } from './fetch.js';
import { listOffsets } from './list-offsets.js';
import { offsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { produce } from './produce.js';
import type { BrokerServiceDeps } from './service-deps.js';

/** The fully qualified name of the broker's gRPC service (also its health service name). */
export const BROKER_SERVICE_NAME = 'fjord.v1.BrokerService';
/** The BrokerService handlers over the given storage and hosted replicas. */
export function createBrokerService(deps: BrokerServiceDeps): v1.BrokerServiceHandlers {
  return unaryHandlers<v1.BrokerServiceHandlers>(deps.logger, {
    Produce: (request, call) => produce(deps, request, cancellationOf(call)),
    Fetch: (request, call) => fetch(deps, request, cancellationOf(call)),
    ListOffsets: (request) => listOffsets(deps, request),
    OffsetForLeaderEpoch: (request) => offsetForLeaderEpoch(deps, request),
  });
}

/** Aborts when the client cancels the call (or its deadline passes): waits stop, nobody reads the answer. */
function cancellationOf(call: grpc.ServerUnaryCall<unknown, unknown>): AbortSignal {
  const cancelled = new AbortController();
  if (call.cancelled) cancelled.abort();
  else call.on('cancelled', () => cancelled.abort());
  return cancelled.signal;
}

/**
 * The BrokerService as the gRPC server serves it. Requests that carry no records (Fetch,
 * ListOffsets, OffsetForLeaderEpoch) are capped at `maxLookupRequestBytes`; Produce only by
 * the server's request cap.
 */
export function brokerServiceBinding(
  deps: BrokerServiceDeps,
  maxLookupRequestBytes: number,
): GrpcServiceBinding {
  return {
    definition: loadFjordProto().fjord.v1.BrokerService.service,
    handlers: createBrokerService(deps),
    maxRequestBytes: {
      Fetch: maxLookupRequestBytes,
      ListOffsets: maxLookupRequestBytes,
      OffsetForLeaderEpoch: maxLookupRequestBytes,
    },
  };
}
