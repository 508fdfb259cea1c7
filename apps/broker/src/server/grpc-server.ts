import { type HealthStatus, type InstrumentOptions, instrumentService } from '@fjord/observability';
import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** A started gRPC server and the port it actually bound (useful with port 0). */
export interface RunningServer {
  server: grpc.Server;
  port: number;
}

/** What the server adds around the BrokerService handlers. */
export interface BrokerServerExtras {
  /** Serves the standard gRPC health service (grpc.health.v1.Health) next to BrokerService. */
  health?: HealthStatus;
  /** Counts and times every request: the one place where requests are instrumented. */
  instrument?: InstrumentOptions;
}

/** The fully qualified name of the broker's gRPC service (also its health service name). */
export const BROKER_SERVICE_NAME = 'fjord.v1.BrokerService';

/** Starts a gRPC server with the BrokerService on host:port (port 0 = ephemeral). */
export function startBrokerServer(
  handlers: v1.BrokerServiceHandlers,
  host: string,
  port: number,
  extras: BrokerServerExtras = {},
): Promise<RunningServer> {
  const server = new grpc.Server(GRPC_CHANNEL_OPTIONS);
  const definition = loadFjordProto().fjord.v1.BrokerService.service;
  server.addService(
    definition,
    extras.instrument ? instrumentService(definition, handlers, extras.instrument) : handlers,
  );
  extras.health?.addToServer(server);
  const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(error);
      else resolve({ server, port: boundPort });
    });
  });
}

/**
 * Stops accepting calls and lets in-flight ones finish; after `graceMs` the remaining
 * calls are cancelled.
 */
export function stopServer(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
