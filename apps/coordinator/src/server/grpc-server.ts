import { type HealthStatus, type InstrumentOptions, instrumentService } from '@fjord/observability';
import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** A bound gRPC server and the port it actually got (differs from the request for port 0). */
export interface BoundServer {
  server: grpc.Server;
  port: number;
}

/** Fully qualified names of the coordinator's gRPC services (also their health service names). */
export const COORDINATOR_SERVICE_NAMES = [
  'fjord.v1.CoordinatorService',
  'fjord.v1.GroupCoordinatorService',
  'fjord.v1.ProducerIdService',
] as const;

/** What the server adds around the coordinator's handlers. */
export interface CoordinatorServerExtras {
  /** Serves the standard gRPC health service (grpc.health.v1.Health) next to the others. */
  health?: HealthStatus;
  /** Counts and times every request of every service: the one place requests are instrumented. */
  instrument?: InstrumentOptions;
}

/**
 * Creates the gRPC server with the CoordinatorService (and the GroupCoordinatorService and
 * ProducerIdService when given) and binds it (grpc-js serves once bound).
 */
export function bindCoordinatorServer(
  handlers: v1.CoordinatorServiceHandlers,
  host: string,
  port: number,
  groupHandlers?: v1.GroupCoordinatorServiceHandlers,
  producerIdHandlers?: v1.ProducerIdServiceHandlers,
  extras: CoordinatorServerExtras = {},
): Promise<BoundServer> {
  const server = new grpc.Server(GRPC_CHANNEL_OPTIONS);
  const services = loadFjordProto().fjord.v1;
  const add = (definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) =>
    server.addService(
      definition,
      extras.instrument ? instrumentService(definition, implementation, extras.instrument) : implementation,
    );
  add(services.CoordinatorService.service, handlers);
  if (groupHandlers) add(services.GroupCoordinatorService.service, groupHandlers);
  if (producerIdHandlers) add(services.ProducerIdService.service, producerIdHandlers);
  extras.health?.addToServer(server);
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(error);
      else resolve({ server, port: boundPort });
    });
  });
}

/**
 * Stops accepting calls and lets in-flight ones finish; after `graceMs` remaining calls are
 * cancelled (CONTRACTS.md: in-flight requests get 5 s).
 */
export function shutdownServer(server: grpc.Server, graceMs: number): Promise<void> {
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
