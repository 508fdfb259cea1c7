import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** A bound gRPC server and the port it actually got (differs from the request for port 0). */
export interface BoundServer {
  server: grpc.Server;
  port: number;
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
): Promise<BoundServer> {
  const server = new grpc.Server(GRPC_CHANNEL_OPTIONS);
  server.addService(loadFjordProto().fjord.v1.CoordinatorService.service, handlers);
  if (groupHandlers)
    server.addService(loadFjordProto().fjord.v1.GroupCoordinatorService.service, groupHandlers);
  if (producerIdHandlers)
    server.addService(loadFjordProto().fjord.v1.ProducerIdService.service, producerIdHandlers);
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
