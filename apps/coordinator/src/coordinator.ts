import { createMetricsRegistry, HealthStatus, serveObservability } from '@fjord/observability';
import type { CoordinatorConfig } from './config/config-schema.js';
import { LeaderRebalancer } from './election/leader-rebalancer.js';
import { type GroupCoordinator, startGroupCoordinator } from './groups/group-coordinator.js';
import { BrokerSessions } from './liveness/broker-sessions.js';
import { type Clock, systemClock } from './liveness/clock.js';
import { LivenessMonitor } from './liveness/liveness-monitor.js';
import type { Logger } from './logger.js';
import { MetadataStore } from './metadata/metadata-store.js';
import { metadataRecord } from './metadata/records.js';
import { liveBrokerIds } from './metadata/state.js';
import { CoordinatorMetrics } from './observability/coordinator-metrics.js';
import { EndOffsets } from './observability/end-offsets.js';
import { ProducerIdAllocator } from './producers/producer-id-allocator.js';
import { type RandomSource, systemRandom } from './random-source.js';
import type { CoordinatorContext } from './server/coordinator-context.js';
import { coordinatorServiceHandlers } from './server/coordinator-service.js';
import { groupServiceHandlers } from './server/groups/group-service.js';
import { bindCoordinatorServer, COORDINATOR_SERVICE_NAMES, shutdownServer } from './server/grpc-server.js';
import { producerIdServiceHandlers } from './server/producer-id-service.js';

/** How long in-flight requests may take to finish on shutdown (CONTRACTS.md). */
export const SHUTDOWN_GRACE_MS = 5_000;

export interface StartCoordinatorOptions {
  config: CoordinatorConfig;
  logger: Logger;
  clock?: Clock;
  random?: RandomSource;
}

/** A running coordinator. */
export interface RunningCoordinator {
  /** The port the gRPC server is bound to. */
  port: number;
  /** The port of /metrics and /healthz; -1 when disabled. */
  metricsPort: number;
  store: MetadataStore;
  sessions: BrokerSessions;
  liveness: LivenessMonitor;
  /** Stops serving (in-flight calls get SHUTDOWN_GRACE_MS), stops liveness checks, closes LevelDB. */
  close(): Promise<void>;
}

/**
 * Starts a coordinator: opens the metadata log (snapshot + replay), initialises the cluster
 * id on first start, gives every broker the state calls alive a fresh session, starts the
 * liveness checks and binds the gRPC server. Logs `metrics listening` (the /metrics and
 * /healthz server starts first, answering 503 until ready) and `listening` with the bound
 * ports. Health is SERVING once the gRPC server is bound, NOT_SERVING from close() on.
 */
export async function startCoordinator(options: StartCoordinatorOptions): Promise<RunningCoordinator> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const registry = createMetricsRegistry();
  const health = new HealthStatus(COORDINATOR_SERVICE_NAMES);
  const observability = await serveObservability({
    host: config.host,
    port: config.metricsPort,
    registry,
    health,
    logger,
  });
  let store: MetadataStore;
  try {
    store = await MetadataStore.open({
      dataDir: config.dataDir,
      snapshotEveryRecords: config.snapshotEveryRecords,
      logger,
    });
  } catch (error) {
    await observability.close();
    throw error;
  }
  const endOffsets = new EndOffsets();
  const metrics = new CoordinatorMetrics(registry, store, endOffsets);
  let liveness: LivenessMonitor | undefined;
  let rebalancer: LeaderRebalancer | undefined;
  let groups: GroupCoordinator | undefined;
  try {
    await store.propose((proposal) => {
      if (proposal.state.clusterId === null) {
        proposal.append(metadataRecord({ type: 'InitCluster', clusterId: random.uuid() }));
      }
    });
    const sessions = new BrokerSessions(clock, config.sessionTimeoutMs);
    // Session timestamps are not in the log: after a restart every live broker gets one
    // timeout of grace to heartbeat before it is fenced.
    for (const brokerId of liveBrokerIds(store.state)) {
      sessions.restore(brokerId, store.state.brokers[String(brokerId)]!.incarnationId);
    }
    liveness = new LivenessMonitor({
      store,
      sessions,
      logger,
      checkIntervalMs: Math.max(10, Math.floor(config.sessionTimeoutMs / 4)),
    });
    liveness.start();
    rebalancer = new LeaderRebalancer(store, logger, config.leaderImbalanceCheckIntervalMs);
    rebalancer.start();

    let boundPort = config.port;
    const ctx: CoordinatorContext = {
      store,
      sessions,
      random,
      logger,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      sessionTimeoutMs: config.sessionTimeoutMs,
      coordinatorAddress: () => `${config.advertisedHost}:${boundPort}`,
    };
    groups = startGroupCoordinator({
      store,
      clock,
      random,
      logger,
      heartbeatIntervalMs: config.groupHeartbeatIntervalMs,
    });
    const { server, port } = await bindCoordinatorServer(
      coordinatorServiceHandlers(ctx),
      config.host,
      config.port,
      groupServiceHandlers(groups.context),
      producerIdServiceHandlers(new ProducerIdAllocator(store), logger),
      { health, instrument: { metrics: metrics.requests } },
    );
    boundPort = port;
    logger.info(
      { port, host: config.host, clusterId: store.state.clusterId, metadataVersion: store.metadataVersion },
      'listening',
    );
    health.setServing();
    const monitor = liveness;
    const rebalance = rebalancer;
    const groupMonitor = groups.monitor;
    const heldHeartbeats = groups.waiters;
    return {
      port,
      metricsPort: observability.port,
      store,
      sessions,
      liveness: monitor,
      async close() {
        // Before anything else: probes and balancers stop sending work while it drains.
        health.shutdown();
        // Held group heartbeats would keep the server busy up to a heartbeat interval.
        heldHeartbeats.close();
        await shutdownServer(server, SHUTDOWN_GRACE_MS);
        await monitor.stop();
        await rebalance.stop();
        await groupMonitor.stop();
        endOffsets.close();
        await store.close();
        // Last: /metrics stays scrapeable and /healthz says 503 until the end.
        await observability.close();
      },
    };
  } catch (error) {
    await liveness?.stop();
    await rebalancer?.stop();
    await groups?.monitor.stop();
    endOffsets.close();
    await store.close();
    await observability.close();
    throw error;
  }
}
