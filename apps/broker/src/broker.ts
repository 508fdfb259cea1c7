import {
  advertisedEndpoints,
  boundListenerAddresses,
  serverSecurity,
  startGrpcServer,
  startObservability,
  startWithTeardown,
  stopGrpcServer,
} from '@fjord/server-kit';
import type { Logger } from 'pino';
import { ClusterIdentity } from './cluster/cluster-identity.js';
import { GrpcCoordinatorClient } from './cluster/coordinator-client.js';
import { CoordinatorLink } from './cluster/coordinator-link.js';
import { claimDataDirectory } from './cluster/directory-identity.js';
import { HostedReplicas } from './cluster/hosted-replicas.js';
import { ClusterMembership } from './cluster/membership.js';
import { brokerChannelSecurity } from './cluster/node-channel-security.js';
import type { BrokerConfig } from './config/schema.js';
import { startBrokerKafka } from './kafka/broker-kafka.js';
import { RetentionScheduler } from './log/retention-scheduler.js';
import { LogStore } from './log/store.js';
import { BrokerMetrics } from './observability/broker-metrics.js';
import { countingIsrChanges } from './observability/isr-change-counter.js';
import { ClientByteRateQuota } from './quotas/client-quotas.js';
import { BrokerClients } from './replication/broker-clients.js';
import { takeCleanShutdownMarker, writeCleanShutdownMarker } from './replication/clean-shutdown.js';
import { controlledShutdown } from './replication/controlled-shutdown.js';
import { ReplicationManager } from './replication/replication-manager.js';
import {
  handOverLeadershipsOnStorageFailure,
  STORAGE_FAILURE_HAND_OVER_MS,
} from './replication/storage-failure.js';
import { BrokerSecurityState, type BrokerSecurityStateOptions } from './security/broker-security-state.js';
import { BROKER_SERVICE_NAME, brokerServiceBinding } from './server/broker-service.js';
import { PartitionResolver } from './server/partition-resolver.js';

/** How long a starting broker waits for its first copy of the security state before serving. */
const FIRST_SECURITY_STATE_WAIT_MS = 10_000;

/** A started broker process. */
export interface RunningBroker {
  /** The inter-broker listener's bound gRPC port (the actual one with port 0). */
  port: number;
  /** Bound gRPC port by listener name. */
  ports: ReadonlyMap<string, number>;
  /** The bound /metrics and /healthz port; -1 when disabled. */
  metricsPort: number;
  /** One retention pass now; resolves with the number of batches deleted. */
  runRetention(): Promise<number>;
  /** Hands leaderships over, stops heartbeats and the server (5 s grace), then closes storage. */
  stop(): Promise<void>;
}

/**
 * Wires a broker: starts the /metrics and /healthz server (logging `metrics listening`),
 * opens storage, starts the gRPC server, logs `listening`, then registers with the
 * coordinator and heartbeats (logging `registered`), and runs retention. Health is
 * NOT_SERVING until the first registration, and again from the first step of stop().
 * Each resource registers its cleanup as it is created; a failed start and stop() run them.
 */
export function startBroker(config: BrokerConfig, logger: Logger): Promise<RunningBroker> {
  return startWithTeardown(logger, async (teardown) => {
    const observability = await startObservability(teardown, config, [BROKER_SERVICE_NAME], logger);
    const { registry, health } = observability;
    const store = await LogStore.open(config.dataDir, {
      flushPolicy: config.flushPolicy,
      flushIntervalMs: config.flushIntervalMs,
      writeBufferBytes: config.levelDbWriteBufferBytes,
      maxFileBytes: config.levelDbMaxFileBytes,
      tailCacheBytes: config.tailCacheBytes,
    });
    teardown.add('log store', () => store.close());
    // Before anything reads replica data (the clean-shutdown marker included): another
    // broker's directory is refused here.
    const directory = await claimDataDirectory(store, config.dataDir, config.brokerId);
    logger.info(
      { dataDir: config.dataDir, directoryId: directory.directoryId, new: directory.stampedNow },
      'data directory claimed',
    );
    const previousShutdownClean = await takeCleanShutdownMarker(store);
    // A new directory has no marker and nothing to recover: the warning would only alarm.
    if (!previousShutdownClean && !directory.stampedNow)
      logger.warn('previous process did not stop cleanly; rejoining ISRs only after catching up');
    let served = false;
    teardown.add('clean-shutdown marker', async () => {
      // Only a broker that came up and drained may say so: after a failed start the next one
      // must still catch up before rejoining ISRs if this one's predecessor crashed.
      if (served) await writeCleanShutdownMarker(store);
    });

    const replicas = new HostedReplicas(store, logger);
    teardown.add('partition deletions', () => replicas.whenDeletionsDone());
    const metrics = new BrokerMetrics(registry, config.brokerId, replicas, () => store.stats());
    // One channel security for every node this broker dials: one login per channel, one set of
    // watched certificate files.
    const channelSecurity = brokerChannelSecurity(config);
    const coordinatorLink = new CoordinatorLink(config.coordinator, logger, channelSecurity);
    const coordinator = new GrpcCoordinatorClient(coordinatorLink);
    teardown.add('coordinator client', () => coordinator.close());
    const clients = new BrokerClients(channelSecurity);
    teardown.add('broker clients', () => clients.close());
    const security = new BrokerSecurityState({
      ...securityStateSettings(config),
      describe: () => coordinator.describeSecurityState(),
      logger,
    });
    teardown.add('security state', () => security.close());
    const copiesSecurityState = needsSecurityState(config);
    if (copiesSecurityState) {
      // Before any listener accepts a call: a client's first call must not meet a broker that
      // knows no ACL or SCRAM user yet. A coordinator that cannot be reached in time does not
      // keep the broker down; until the copy arrives only super users are served.
      security.start();
      if (!(await security.whenLoaded(FIRST_SECURITY_STATE_WAIT_MS)))
        logger.warn(
          { waitedMs: FIRST_SECURITY_STATE_WAIT_MS },
          'security state not copied yet; serving super users only until it arrives',
        );
    }
    const quotas = {
      produce: new ClientByteRateQuota({
        bytesPerSecond: config.producerByteRate,
        onThrottle: (ms) => metrics.quotaThrottleSeconds.inc({ direction: 'produce' }, ms / 1_000),
      }),
      fetch: new ClientByteRateQuota({
        bytesPerSecond: config.consumerByteRate,
        onThrottle: (ms) => metrics.quotaThrottleSeconds.inc({ direction: 'fetch' }, ms / 1_000),
      }),
    };

    let replication: ReplicationManager | undefined;
    const membership = new ClusterMembership({
      brokerId: config.brokerId,
      coordinator,
      replicas,
      identity: new ClusterIdentity(store),
      logger,
      previousShutdownClean,
      // Registered: the broker is part of the cluster and will learn what it hosts.
      onRegistered: () => health.setServing(),
      ...(copiesSecurityState && {
        onSecurityVersion: (version: bigint) => security.observeVersion(version),
      }),
      onMetadata: (brokers) => {
        replication?.setBrokers(brokers);
        replication?.onMetadata();
      },
    });
    teardown.add('heartbeats', () => membership.stop());
    const replicationManager = new ReplicationManager({
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
    replication = replicationManager;
    const storageFailures = handOverLeadershipsOnStorageFailure(store, {
      brokerId: config.brokerId,
      brokerEpoch: () => membership.epoch,
      coordinator,
      refreshMetadata: () => membership.refresh(),
      logger,
      // Also when SIGTERM hand-over is switched off: a broker that cannot write must not lead.
      timeoutMs: config.controlledShutdownTimeoutMs || STORAGE_FAILURE_HAND_OVER_MS,
      countFailure: () => metrics.storageWriteFailures.inc(),
    });
    teardown.add('storage failure watch', () => storageFailures.stop());
    replicationManager.start();
    teardown.add('replication', () => replicationManager.stop());

    const shutdown = new AbortController();
    const instrument = {
      metrics: metrics.requests,
      onSuccess: (api: string, request: unknown, response: unknown) =>
        metrics.countTraffic(api, request, response),
    };
    const serviceDeps = {
      brokerId: config.brokerId,
      store,
      replicas,
      resolver: new PartitionResolver(config.brokerId, replicas, () => membership.refresh()),
      logger,
      nowMs: Date.now,
      shutdownSignal: shutdown.signal,
      maxAckWaitMs: config.maxAckWaitMs,
      replication: replicationManager,
      security,
      quotas,
      instrument,
    };
    // The inter-broker listener first: it is the one registered as the broker's own address.
    const listeners = [
      ...config.listeners.filter((l) => l.name === config.interBrokerListenerName),
      ...config.listeners.filter((l) => l.name !== config.interBrokerListenerName),
    ];
    const server = await startGrpcServer({
      listeners,
      services: [brokerServiceBinding(serviceDeps, config.maxLookupRequestBytes)],
      limits: config,
      security: serverSecurity(config, security.grpcServerState()),
      health,
      instrument,
    });
    teardown.add('grpc server', () => {
      // Long-polling fetches answer now instead of holding the drain for their whole wait.
      shutdown.abort();
      return stopGrpcServer(server.server);
    });
    logger.info(
      {
        port: server.port,
        host: listeners[0]!.host,
        listeners: boundListenerAddresses(listeners, server.ports),
      },
      'listening',
    );
    const kafka = await startBrokerKafka(config, serviceDeps, coordinatorLink, logger);
    if (kafka) teardown.add('kafka listener', () => kafka.close());
    membership.start({
      grpc: advertisedEndpoints(listeners, server.ports),
      kafka: kafka?.endpoints ?? [],
    });

    const retention = new RetentionScheduler(
      () => replicas.all().map((p) => ({ log: p.log, config: p.config, topic: p.topic })),
      config.retentionCheckIntervalMs,
      logger,
    );
    retention.start();
    teardown.add('retention', () => retention.stop());
    served = true;

    let stopping: Promise<void> | undefined;
    return {
      port: server.port,
      ports: server.ports,
      metricsPort: observability.port,
      runRetention: () => retention.runNow(),
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
          await teardown.run();
        })();
        return stopping;
      },
    };
  });
}

/**
 * Whether the broker needs the cluster's security state: to authorize calls, or to check SASL
 * logins on one of its listeners. Otherwise it never asks for it.
 */
function needsSecurityState(config: BrokerConfig): boolean {
  const sasl = (l: { securityProtocol: string }) => l.securityProtocol.startsWith('SASL_');
  return (
    securityStateSettings(config).authorizer === 'standard' ||
    config.listeners.some(sasl) ||
    config.kafkaListeners.some(sasl)
  );
}

/** The authorizer settings of the broker's copy of the security state. */
function securityStateSettings(
  config: BrokerConfig,
): Pick<BrokerSecurityStateOptions, 'authorizer' | 'superUsers' | 'allowEveryoneIfNoAclFound'> {
  return {
    authorizer: config.authorizer,
    superUsers: config.superUsers ?? [],
    allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound,
  };
}
