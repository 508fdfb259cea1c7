import { encodeFetchResponse, type FetchAnswer, loadFjordProto, type v1 } from '@fjord/protocol';
import { callCancellation, type GrpcServiceBinding, unaryHandlers } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';
import { fetch } from './fetch.js';
import { serveFetchStream } from './fetch-stream.js';
import { admitBeforeSecurityState, grpcCallAccess } from './grpc-call-access.js';
import { listOffsets } from './list-offsets.js';
import { offsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { produce } from './produce.js';
import { withProduceCodec } from './produce-codec.js';
import { produceStreamHandler } from './produce-stream.js';
import type { BrokerServiceDeps } from './service-deps.js';

/** The fully qualified name of the broker's gRPC service (also its health service name). */
export const BROKER_SERVICE_NAME = 'fjord.v1.BrokerService';
type UnaryBrokerHandlers = Pick<
  v1.BrokerServiceHandlers,
  'Produce' | 'Fetch' | 'ListOffsets' | 'OffsetForLeaderEpoch'
> &
  grpc.UntypedServiceImplementation;

/** The BrokerService handlers over the given storage and hosted replicas. */
export function createBrokerService(deps: BrokerServiceDeps): v1.BrokerServiceHandlers {
  // Every handler asks first: a broker without its copy of the ACLs yet serves super users only.
  const access = (call: grpc.ServerUnaryCall<unknown, unknown>, replicaRequest: boolean) => {
    admitBeforeSecurityState(deps.security, call, replicaRequest);
    return grpcCallAccess(call, replicaRequest);
  };
  const unary = unaryHandlers<UnaryBrokerHandlers>(deps.logger, {
    Produce: (request, call) => produce(deps, request, callCancellation(call), access(call, false)),
    // A FetchAnswer, not a v1.FetchResponse: its records are lists of stored batches, which
    // only the Fetch serializer of brokerServiceBinding (encodeFetchResponse) writes.
    Fetch: (request, call) =>
      fetch(deps, request, callCancellation(call), access(call, request.replicaId >= 0)) as Promise<
        FetchAnswer & v1.FetchResponse
      >,
    ListOffsets: (request, call) => listOffsets(deps, request, access(call, false)),
    OffsetForLeaderEpoch: (request, call) =>
      offsetForLeaderEpoch(deps, request, access(call, request.replicaId >= 0)),
  });
  // Its answers are FetchAnswers too, written by the same serializer as Fetch's.
  const FetchStream = serveFetchStream(deps) as unknown as v1.BrokerServiceHandlers['FetchStream'];
  return { ...unary, FetchStream, ProduceStream: produceStreamHandler(deps) };
}

/**
 * The BrokerService as the gRPC server serves it. Requests that carry no records (Fetch and
 * each FetchStream message, ListOffsets, OffsetForLeaderEpoch) are capped at
 * `maxLookupRequestBytes`; Produce only by the server's request cap. Fetch and FetchStream
 * answers are written by `encodeFetchResponse` (their records are lists of stored batches).
 */
export function brokerServiceBinding(
  deps: BrokerServiceDeps,
  maxLookupRequestBytes: number,
): GrpcServiceBinding {
  const definition = loadFjordProto().fjord.v1.BrokerService.service;
  return {
    definition: withProduceCodec({
      ...definition,
      Fetch: { ...definition.Fetch, responseSerialize: encodeFetchResponse as (answer: unknown) => Buffer },
      FetchStream: {
        ...definition.FetchStream,
        responseSerialize: encodeFetchResponse as (answer: unknown) => Buffer,
      },
    }),
    handlers: createBrokerService(deps),
    maxRequestBytes: {
      Fetch: maxLookupRequestBytes,
      FetchStream: maxLookupRequestBytes,
      ListOffsets: maxLookupRequestBytes,
      OffsetForLeaderEpoch: maxLookupRequestBytes,
    },
  };
}
