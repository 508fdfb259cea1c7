import { createMetricsRegistry, HealthStatus, serveObservability } from '@fjord/observability';
import type { Logger } from 'pino';
import { ClusterIdentity } from './cluster/cluster-identity.js';
import { GrpcCoordinatorClient } from './cluster/coordinator-client.js';
import { HostedReplicas } from './cluster/hosted-replicas.js';
import { ClusterMembership } from './cluster/membership.js';
import type { BrokerConfig } from './config/schema.js';
import { RetentionScheduler } from './log/retention-scheduler.js';
import { LogStore } from './log/store.js';
import { BrokerMetrics } from './observability/broker-metrics.js';
import { countingIsrChanges } from './observability/isr-change-counter.js';
import { BrokerClients } from './replication/broker-clients.js';
import { takeCleanShutdownMarker, writeCleanShutdownMarker } from './replication/clean-shutdown.js';
import { controlledShutdown } from './replication/controlled-shutdown.js';
import { ReplicationManager } from './replication/replication-manager.js';
import { createBrokerService } from './server/broker-service.js';
import { BROKER_SERVICE_NAME, startBrokerServer, stopServer } from './server/grpc-server.js';
import { PartitionResolver } from './server/partition-resolver.js';

/** In-flight requests get this long to finish on shutdown before they are cancelled. */
const SHUTDOWN_GRACE_MS = 5_000;

/** A started broker process. */
export interface RunningBroker {
  /** The bound gRPC port (the actual one with port 0). */
  port: number;
  /** The bound /metrics and /healthz port; -1 when disabled. */
  metricsPort: number;
  /** One retention pass now; resolves with the number of batches deleted. */
  runRetention(): Promise<number>;
  /** Stops heartbeats and the server (5 s grace), then closes storage. */
  stop(): Promise<void>;
}

/**
 * Wires a broker: starts the /metrics and /healthz server (logging `metrics listening`),
 * opens storage, starts the gRPC server, logs `listening`, then registers with the
 * coordinator and heartbeats (logging `registered`), and runs retention. Health is
 * NOT_SERVING until the first registration, and again from the first step of stop().
 */
export async function startBroker(config: BrokerConfig, logger: Logger): Promise<RunningBroker> {
  const registry = createMetricsRegistry();
  const health = new HealthStatus([BROKER_SERVICE_NAME]);
  // First, so that probes get an answer (503) while storage opens.
  const observability = await serveObservability({
    host: config.host,
    port: config.metricsPort,
    registry,
    health,
    logger,
  });
  let store: LogStore;
  try {
    store = await LogStore.open(config.dataDir, {
      flushPolicy: config.flushPolicy,
      flushIntervalMs: config.flushIntervalMs,
    });
  } catch (error) {
    await observability.close();
    throw error;
  }
  const previousShutdownClean = await takeCleanShutdownMarker(store);
  if (!previousShutdownClean)
    logger.warn('previous process did not stop cleanly; rejoining ISRs only after catching up');
  const replicas = new HostedReplicas(store, logger);
  const metrics = new BrokerMetrics(registry, config.brokerId, replicas);
  const coordinator = new GrpcCoordinatorClient(config.coordinator);
  const clients = new BrokerClients();
  let replication: ReplicationManager | undefined;
  const membership = new ClusterMembership({
    brokerId: config.brokerId,
    advertisedHost: config.advertisedHost,
    coordinator,
    replicas,
    identity: new ClusterIdentity(store),
    logger,
    previousShutdownClean,
    // Registered: the broker is part of the cluster and will learn what it hosts.
    onRegistered: () => health.setServing(),
    onMetadata: (brokers) => {
      replication?.setBrokers(brokers);
      replication?.onMetadata();
    },
  });
  replication = new ReplicationManager({
    brokerId: config.brokerId,
    store,
    replicas,
    clients,
    coordinator: countingIsrChanges(coordinator, replicas, metrics),
    logger,
    brokerEpoch: () => membership.epoch,
    refreshMetadata: () => membership.refresh(),
    replicaLagTimeMaxMs: config.replicaLagTimeMaxMs,
    replicaFetchWaitMaxMs: config.replicaFetchWaitMaxMs,
    highWatermarkCheckpointIntervalMs: config.highWatermarkCheckpointIntervalMs,
  });
  replication.start();
  const replicationManager = replication;
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
    replication: replicationManager,
  });
  let server: Awaited<ReturnType<typeof startBrokerServer>>;
  try {
    server = await startBrokerServer(handlers, config.host, config.port, {
      health,
      instrument: {
        metrics: metrics.requests,
        onSuccess: (api, request, response) => metrics.countTraffic(api, request, response),
      },
    });
  } catch (error) {
    await replicationManager.stop();
    await store.close();
    coordinator.close();
    await observability.close();
    throw error;
  }
  logger.info({ port: server.port, host: config.host }, 'listening');
  membership.start(config.advertisedPort ?? server.port);
  const retention = new RetentionScheduler(
    () => replicas.all().map((p) => ({ log: p.log, config: p.config, topic: p.topic })),
    config.retentionCheckIntervalMs,
    logger,
  );
  retention.start();

  let stopping: Promise<void> | undefined;
  return {
    port: server.port,
    metricsPort: observability.port,
    runRetention: () => retention.runOnce(),
    stop() {
      stopping ??= (async () => {
        // Before anything else: probes and balancers stop sending work while it drains.
        health.shutdown();
        // Hand leaderships over while still serving, so clients see NOT_LEADER and move on.
        if (config.controlledShutdownTimeoutMs > 0 && membership.epoch !== null) {
          await controlledShutdown({
            brokerId: config.brokerId,
            brokerEpoch: () => membership.epoch,
            coordinator,
            refreshMetadata: () => membership.refresh(),
            logger,
            timeoutMs: config.controlledShutdownTimeoutMs,
          });
        }
        membership.stop();
        shutdown.abort();
        await stopServer(server.server, SHUTDOWN_GRACE_MS);
        await replicationManager.stop();
        await retention.stop();
        await replicas.whenDeletionsDone();
        await writeCleanShutdownMarker(store);
        await store.close();
        coordinator.close();
        clients.close();
        // Last: /metrics stays scrapeable and /healthz says 503 until the end.
        await observability.close();
      })();
      return stopping;
    },
  };
}
