import { loadFjordProto } from '@fjord/protocol';
import {
  advertisedEndpoints,
  boundListenerAddresses,
  grpcAddress,
  type Logger,
  startGrpcServer,
  startObservability,
  startWithTeardown,
  stopGrpcServer,
} from '@fjord/server-kit';
import type { CoordinatorConfig } from './config/config-schema.js';
import { LeaderRebalancer } from './election/leader-rebalancer.js';
import { startGroupCoordinator } from './groups/group-coordinator.js';
import { BrokerSessions } from './liveness/broker-sessions.js';
import { type Clock, systemClock } from './liveness/clock.js';
import { LivenessMonitor } from './liveness/liveness-monitor.js';
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
import { producerIdServiceHandlers } from './server/producer-id-service.js';

/** Fully qualified names of the coordinator's gRPC services (also their health service names). */
export const COORDINATOR_SERVICE_NAMES = [
  'fjord.v1.CoordinatorService',
  'fjord.v1.GroupCoordinatorService',
  'fjord.v1.ProducerIdService',
] as const;

export interface StartCoordinatorOptions {
  config: CoordinatorConfig;
  logger: Logger;
  clock?: Clock;
  random?: RandomSource;
}

/** A running coordinator. */
export interface RunningCoordinator {
  /** The port the first listener is bound to. */
  port: number;
  /** Bound port by listener name. */
  ports: ReadonlyMap<string, number>;
  /** The port of /metrics and /healthz; -1 when disabled. */
  metricsPort: number;
  store: MetadataStore;
  sessions: BrokerSessions;
  liveness: LivenessMonitor;
  /** Stops serving (in-flight calls get 5 s), stops the periodic checks, closes LevelDB. */
  stop(): Promise<void>;
}

/**
 * Starts a coordinator: opens the metadata log (snapshot + replay), initialises the cluster
 * id on first start, gives every broker the state calls alive a fresh session, starts the
 * liveness checks and binds the gRPC server. Logs `metrics listening` (the /metrics and
 * /healthz server starts first, answering 503 until ready) and `listening` with the bound
 * ports. Health is SERVING once the gRPC server is bound, NOT_SERVING from stop() on.
 * Each resource registers its cleanup as it is created; a failed start and stop() run them.
 */
export function startCoordinator(options: StartCoordinatorOptions): Promise<RunningCoordinator> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  return startWithTeardown(logger, async (teardown) => {
    const observability = await startObservability(teardown, config, COORDINATOR_SERVICE_NAMES, logger);
    const { registry, health } = observability;
    const store = await MetadataStore.open({
      dataDir: config.dataDir,
      snapshotEveryRecords: config.snapshotEveryRecords,
      logger,
    });
    teardown.add('metadata store', () => store.close());
    const endOffsets = new EndOffsets();
    teardown.add('end-offset clients', () => endOffsets.close());
    const metrics = new CoordinatorMetrics(registry, store, endOffsets);

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
    const liveness = new LivenessMonitor({
      store,
      sessions,
      logger,
      // A quarter of the session timeout keeps fencing prompt.
      checkIntervalMs: Math.max(10, Math.floor(config.sessionTimeoutMs / 4)),
    });
    liveness.start();
    teardown.add('liveness check', () => liveness.stop());
    const rebalancer = new LeaderRebalancer(store, logger, config.leaderImbalanceCheckIntervalMs);
    rebalancer.start();
    teardown.add('preferred leader election', () => rebalancer.stop());
    const groups = startGroupCoordinator({
      store,
      clock,
      random,
      logger,
      heartbeatIntervalMs: config.groupHeartbeatIntervalMs,
    });
    teardown.add('group check', () => groups.monitor.stop());
    teardown.add('classic group deadlines', () => groups.classic.stop());

    let endpoints = advertisedEndpoints(config.listeners, new Map());
    const ctx: CoordinatorContext = {
      store,
      sessions,
      random,
      logger,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      sessionTimeoutMs: config.sessionTimeoutMs,
      coordinatorAddress: (listenerName) => {
        const endpoint = endpoints.find((e) => e.name === listenerName) ?? endpoints[0]!;
        return grpcAddress(endpoint.host, endpoint.port);
      },
    };
    const services = loadFjordProto().fjord.v1;
    const { server, port, ports } = await startGrpcServer({
      listeners: config.listeners,
      services: [
        { definition: services.CoordinatorService.service, handlers: coordinatorServiceHandlers(ctx) },
        {
          definition: services.GroupCoordinatorService.service,
          handlers: groupServiceHandlers(groups.context),
        },
        {
          definition: services.ProducerIdService.service,
          handlers: producerIdServiceHandlers(new ProducerIdAllocator(store), logger),
        },
      ],
      health,
      instrument: { metrics: metrics.requests },
      limits: config,
    });
    teardown.add('grpc server', () => {
      // Held group heartbeats answer now instead of holding the drain up to an interval.
      groups.waiters.close();
      return stopGrpcServer(server);
    });
    endpoints = advertisedEndpoints(config.listeners, ports);
    logger.info(
      {
        port,
        host: config.listeners[0]!.host,
        listeners: boundListenerAddresses(config.listeners, ports),
        clusterId: store.state.clusterId,
        metadataVersion: store.metadataVersion,
      },
      'listening',
    );
    health.setServing();

    let stopping: Promise<void> | undefined;
    return {
      port,
      ports,
      metricsPort: observability.port,
      store,
      sessions,
      liveness,
      stop() {
        stopping ??= (async () => {
          // Before anything else: probes and balancers stop sending work while it drains.
          health.shutdown();
          await teardown.run();
        })();
        return stopping;
      },
    };
  });
}
