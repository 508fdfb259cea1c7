import { type HealthStatus, type InstrumentOptions, instrumentService } from '@fjord/observability';
import { GRPC_CHANNEL_OPTIONS } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import type { GrpcServerLimits } from '../config/grpc-limits.js';
import { guardedDefinition } from './request-guard.js';

/** In-flight calls get this long to finish when a server stops, then they are cancelled. */
export const SHUTDOWN_GRACE_MS = 5_000;

/** One gRPC service a server offers: its definition and its handlers. */
export interface GrpcServiceBinding {
  definition: grpc.ServiceDefinition;
  handlers: grpc.UntypedServiceImplementation;
  /**
   * Caps below the server's `maxRequestBytes` for the methods named (e.g. a broker's Fetch,
   * which carries no records): a larger request is answered INVALID_ARGUMENT with
   * MESSAGE_TOO_LARGE, undecoded.
   */
  maxRequestBytes?: Readonly<Record<string, number>>;
}

/** Options of {@link startGrpcServer}. */
export interface StartGrpcServerOptions {
  /** Bind address; an IPv6 address may be given with or without brackets. */
  host: string;
  /** 0 picks an ephemeral port (see {@link RunningGrpcServer.port}). */
  port: number;
  services: readonly GrpcServiceBinding[];
  /** Serves the standard gRPC health service (grpc.health.v1.Health) next to the services. */
  health?: HealthStatus;
  /** Counts and times every unary call of every service: the one place requests are instrumented. */
  instrument?: InstrumentOptions;
  /** Request size and per-connection stream caps (default: grpc-js's, 4 MiB and unbounded). */
  limits?: GrpcServerLimits;
}

/** A bound gRPC server and the port it actually got (differs from the one asked for with 0). */
export interface RunningGrpcServer {
  server: grpc.Server;
  port: number;
}

/** `host:port` as grpc-js takes it, to bind or to dial: `[::1]:7400` for an IPv6 host. */
export function grpcAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Creates a gRPC server with the given services and binds it (grpc-js serves once bound).
 * Every method's request decoding is guarded (see request-guard.ts): a body that is not a
 * valid message, or over its method's cap, reaches the request adapter as a refusal.
 */
export function startGrpcServer(options: StartGrpcServerOptions): Promise<RunningGrpcServer> {
  const { limits } = options;
  const server = new grpc.Server({
    ...GRPC_CHANNEL_OPTIONS,
    ...(limits && {
      'grpc.max_receive_message_length': limits.maxRequestBytes,
      'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    }),
  });
  for (const { definition, handlers, maxRequestBytes } of options.services) {
    server.addService(
      guardedDefinition(definition, maxRequestBytes),
      options.instrument ? instrumentService(definition, handlers, options.instrument) : handlers,
    );
  }
  options.health?.addToServer(server);
  return new Promise((resolve, reject) => {
    server.bindAsync(
      grpcAddress(options.host, options.port),
      grpc.ServerCredentials.createInsecure(),
      (error, port) => {
        if (error) reject(error);
        else resolve({ server, port });
      },
    );
  });
}

/**
 * Stops accepting calls and lets in-flight ones finish (tryShutdown); after `graceMs` the
 * remaining calls are cancelled (forceShutdown), so a stuck call cannot hold a shutdown.
 */
export function stopGrpcServer(server: grpc.Server, graceMs: number = SHUTDOWN_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
