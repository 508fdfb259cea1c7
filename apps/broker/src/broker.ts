import type { Logger } from 'pino';
import { ClusterIdentity } from './cluster/cluster-identity.js';
import { GrpcCoordinatorClient } from './cluster/coordinator-client.js';
import { HostedReplicas } from './cluster/hosted-replicas.js';
import { ClusterMembership } from './cluster/membership.js';
import type { BrokerConfig } from './config/schema.js';
import { RetentionScheduler } from './log/retention-scheduler.js';
import { LogStore } from './log/store.js';
import { createBrokerService } from './server/broker-service.js';
import { startBrokerServer, stopServer } from './server/grpc-server.js';
import { PartitionResolver } from './server/partition-resolver.js';

/** In-flight requests get this long to finish on shutdown before they are cancelled. */
const SHUTDOWN_GRACE_MS = 5_000;

/** A started broker process. */
export interface RunningBroker {
  /** The bound gRPC port (the actual one with port 0). */
  port: number;
  /** One retention pass now; resolves with the number of batches deleted. */
  runRetention(): Promise<number>;
  /** Stops heartbeats and the server (5 s grace), then closes storage. */
  stop(): Promise<void>;
}

/**
 * Wires a broker: opens storage, starts the gRPC server, logs `listening`, then registers
 * with the coordinator and heartbeats (logging `registered`), and runs retention.
 */
export async function startBroker(config: BrokerConfig, logger: Logger): Promise<RunningBroker> {
  const store = await LogStore.open(config.dataDir, {
    flushPolicy: config.flushPolicy,
    flushIntervalMs: config.flushIntervalMs,
  });
  const replicas = new HostedReplicas(store, logger);
  const coordinator = new GrpcCoordinatorClient(config.coordinator);
  const membership = new ClusterMembership({
    brokerId: config.brokerId,
    advertisedHost: config.advertisedHost,
    coordinator,
    replicas,
    identity: new ClusterIdentity(store),
    logger,
  });
  const shutdown = new AbortController();
  const resolver = new PartitionResolver(config.brokerId, replicas, () => membership.refresh());
  const handlers = createBrokerService({
    brokerId: config.brokerId,
    store,
    replicas,
    resolver,
    logger,
    nowMs: Date.now,
    shutdownSignal: shutdown.signal,
  });
  let server: Awaited<ReturnType<typeof startBrokerServer>>;
  try {
    server = await startBrokerServer(handlers, config.host, config.port);
  } catch (error) {
    await store.close();
    coordinator.close();
    throw error;
  }
  logger.info({ port: server.port, host: config.host }, 'listening');
  membership.start(server.port);
  const retention = new RetentionScheduler(
    () => replicas.all().map((p) => ({ log: p.log, config: p.config, topic: p.topic })),
    config.retentionCheckIntervalMs,
    logger,
  );
  retention.start();

  let stopping: Promise<void> | undefined;
  return {
    port: server.port,
    runRetention: () => retention.runOnce(),
    stop() {
      stopping ??= (async () => {
        membership.stop();
        shutdown.abort();
        await stopServer(server.server, SHUTDOWN_GRACE_MS);
        await retention.stop();
        await replicas.whenDeletionsDone();
        await store.close();
        coordinator.close();
      })();
      return stopping;
    },
  };
}
