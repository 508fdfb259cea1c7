import { MAX_GRPC_MESSAGE_BYTES } from '@fjord/protocol';
import { int } from './settings.js';

/**
 * Concurrent calls one client connection may have open on a server (HTTP/2
 * SETTINGS_MAX_CONCURRENT_STREAMS): gRPC C-core's default. A client over it queues its
 * further calls until one ends, so one connection cannot pile up unbounded work.
 */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

/** The per-request and per-connection limits of a gRPC server, as its settings give them. */
export interface GrpcServerLimits {
  /** Largest request body the server reads (grpc.max_receive_message_length); larger ones are refused unread. */
  maxRequestBytes: number;
  /** grpc.max_concurrent_streams: concurrent calls per client connection. */
  maxConcurrentStreams: number;
}

/**
 * The settings of a server's gRPC limits, to spread into its settings schema. Each server
 * names its own default request cap (a broker takes batches of batches, the coordinator
 * only metadata); the clients send at most MAX_GRPC_MESSAGE_BYTES, so that is the ceiling.
 */
export function grpcLimitSettings(defaultMaxRequestBytes: number) {
  return {
    maxRequestBytes: int(1024, MAX_GRPC_MESSAGE_BYTES)
      .default(defaultMaxRequestBytes)
      .describe(
        'largest gRPC request body accepted, in bytes; larger ones are refused with RESOURCE_EXHAUSTED before they are read',
      ),
    maxConcurrentStreams: int(1, 100_000)
      .default(DEFAULT_MAX_CONCURRENT_STREAMS)
      .describe('concurrent gRPC calls one client connection may have open; further calls wait'),
  };
}
