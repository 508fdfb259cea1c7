import { loadFjordProto } from '@fjord/protocol';
import {
  advertisedEndpoints,
  boundListenerAddresses,
  grpcAddress,
  type Logger,
  nodeChannelSecurity,
  nodeClientSecurity,
  ScheduledJob,
  serverSecurity,
  startGrpcServer,
  startObservability,
  startWithTeardown,
  stopGrpcServer,
} from '@fjord/server-kit';
import type { CoordinatorConfig } from './config/config-schema.js';
import type { ConfiguredVoter } from './config/quorum-voters.js';
import { LeaderRebalancer } from './election/leader-rebalancer.js';
import { startGroupCoordinator } from './groups/group-coordinator.js';
import { LeaderDuties } from './leadership/leader-duties.js';
import { PrincipalBounds } from './limits/principal-bounds.js';
import { BrokerSessions } from './liveness/broker-sessions.js';
import { type Clock, systemClock } from './liveness/clock.js';
import { LivenessMonitor } from './liveness/liveness-monitor.js';
import type { MetadataStore } from './metadata/metadata-store.js';
import { CoordinatorMetrics } from './observability/coordinator-metrics.js';
import { EndOffsets } from './observability/end-offsets.js';
import { registerQuorumMetrics } from './observability/quorum-metrics.js';
import { ProducerIdAllocator } from './producers/producer-id-allocator.js';
import type { MetadataCommand } from './quorum/metadata-state-machine.js';
import { openMetadataStore } from './quorum/open-metadata-store.js';
import { DEFAULT_RAFT_CONFIG, type RaftConfig } from './quorum/raft-config.js';
import type { RaftMetadataReplica } from './quorum/raft-metadata-replica.js';
import { systemTimerClock } from './quorum/timer-clock.js';
import { VoterEndpoints } from './quorum/voter-endpoints.js';
import { GrpcRaftTransport } from './quorum-network/grpc-raft-transport.js';
import { quorumServiceHandlers } from './quorum-network/quorum-service.js';
import { type RandomSource, systemRandom } from './random-source.js';
import { CoordinatorSecurityState } from './security/coordinator-security-state.js';
import type { CoordinatorContext } from './server/coordinator-context.js';
import { coordinatorServiceHandlers } from './server/coordinator-service.js';
import { groupServiceHandlers } from './server/groups/group-service.js';
import { type LeaderGate, leaderOnly } from './server/leader-gate.js';
import { producerIdServiceHandlers } from './server/producer-id-service.js';
import { securityServiceHandlers } from './server/security/security-service.js';
import { securityServiceDefinition } from './server/security/security-service-definition.js';

/** Fully qualified names of the coordinator's gRPC services (also their health service names). */
export const COORDINATOR_SERVICE_NAMES = [
  'fjord.v1.CoordinatorService',
  'fjord.v1.GroupCoordinatorService',
  'fjord.v1.ProducerIdService',
  'fjord.v1.SecurityService',
] as const;

export interface StartCoordinatorOptions {
  config: CoordinatorConfig;
  logger: Logger;
  /** The clock of broker and member sessions (Raft runs on real time). */
  clock?: Clock;
  random?: RandomSource;
  /** Raft timing (tests shorten elections); raft-config.ts has the defaults. */
  raft?: Partial<RaftConfig>;
}

/** How often a voter checks that it is in touch with a quorum, for its health status. */
const QUORUM_HEALTH_CHECK_INTERVAL_MS = 200;

/** A running coordinator. */
export interface RunningCoordinator {
  /** The port the first listener is bound to. */
  port: number;
  /** Bound port by listener name. */
  ports: ReadonlyMap<string, number>;
  /** The port of /metrics and /healthz; -1 when disabled. */
  metricsPort: number;
  store: MetadataStore;
  /** This coordinator's voter of the metadata quorum. */
  replica: RaftMetadataReplica;
  sessions: BrokerSessions;
  liveness: LivenessMonitor;
  /** Stops serving (in-flight calls get 5 s), stops the periodic checks, closes LevelDB. */
  stop(): Promise<void>;
}

/**
 * Starts a coordinator: opens its voter of the metadata quorum (snapshot + log; a lone voter
 * elects itself at once, a voter of several follows the election), builds the request
 * handlers and binds the gRPC server, which also carries the quorum's own RPCs. What only the
 * leader does (cluster id, broker and member sessions with a grace period, the periodic
 * checks) starts when this coordinator becomes a ready leader and stops when it steps down
 * ({@link LeaderDuties}); a coordinator that does not lead answers every RPC but
 * DescribeQuorum with NOT_COORDINATOR and the leader's address. Logs `metrics listening` (the
 * /metrics and /healthz server starts first, answering 503 until ready) and `listening` with
 * the bound ports. Health is SERVING while the voter is in touch with a quorum (a lone voter
 * always is), NOT_SERVING from stop() on. Each resource registers its cleanup as it is
 * created; a failed start and stop() run them.
 */
export function startCoordinator(options: StartCoordinatorOptions): Promise<RunningCoordinator> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  return startWithTeardown(logger, async (teardown) => {
    const observability = await startObservability(teardown, config, COORDINATOR_SERVICE_NAMES, logger);
    const { registry, health } = observability;

    let endpoints = advertisedEndpoints(config.listeners, new Map());
    // A voter's address in the quorum is its first listener's (the one peers reach).
    const ownAddress = (listenerName?: string) => {
      const endpoint = endpoints.find((e) => e.name === listenerName) ?? endpoints[0]!;
      return grpcAddress(endpoint.host, endpoint.port);
    };
    const voters = (): readonly ConfiguredVoter[] =>
      config.voters ?? [{ id: config.nodeId, address: ownAddress() }];
    // Every voter's listeners, announced with the Raft calls (`--voters` names one of them).
    const voterEndpoints = new VoterEndpoints({
      nodeId: config.nodeId,
      voters,
      incarnation: BigInt(Date.now()),
    });
    const voterAddress = (id: number, listenerName?: string) => voterEndpoints.addressOn(id, listenerName);
    const raft = { ...DEFAULT_RAFT_CONFIG, ...options.raft };
    const peers = new Map(
      voters()
        .filter((v) => v.id !== config.nodeId)
        .map((v) => [v.id, v.address]),
    );
    // How this coordinator dials the other voters and the brokers (--security-inter-broker-protocol),
    // built once so every peer channel shares one watcher of the TLS files.
    const peerSecurity = nodeChannelSecurity(nodeClientSecurity(config), {
      reloadIntervalMs: config.sslReloadIntervalMs,
    });
    const transport = new GrpcRaftTransport<MetadataCommand>({
      nodeId: config.nodeId,
      security: peerSecurity,
      peers,
      endpoints: voterEndpoints,
      logger,
      // Calls no longer queue behind one another (several in flight per peer), so a slow one
      // holds nothing up: let it arrive. A vote or an acknowledgment 700 ms late still counts,
      // while one cancelled at a 500 ms deadline was lost, and on a loaded machine that cost
      // whole election rounds and leaders stepping down (docs/OPERATIONS.md, failover timeline).
      callTimeoutMs: 2 * raft.electionTimeoutMs,
      // Every voter runs with the same cap, in practice; leave room for the call's framing.
      maxCallBytes: Math.floor(config.maxRequestBytes * 0.9),
    });
    teardown.add('quorum peer channels', () => transport.close());
    const { store, replica } = await openMetadataStore({
      dataDir: config.dataDir,
      snapshotEveryRecords: config.snapshotEveryRecords,
      logger,
      nodeId: config.nodeId,
      voters: voters().map((v) => v.id),
      ...(peers.size > 0 ? { transport } : {}),
      voterAddress,
      clock: systemTimerClock,
      random,
      raft: options.raft ?? {},
    });
    teardown.add('metadata store', () => store.close());
    const endOffsets = new EndOffsets({ security: peerSecurity });
    teardown.add('end-offset clients', () => endOffsets.close());
    const metrics = new CoordinatorMetrics(registry, store, endOffsets);
    registerQuorumMetrics(registry, replica, () => transport.dropped);

    const sessions = new BrokerSessions(clock, config.sessionTimeoutMs);
    const liveness = new LivenessMonitor({
      store,
      sessions,
      logger,
      // A quarter of the session timeout keeps fencing prompt.
      checkIntervalMs: Math.max(10, Math.floor(config.sessionTimeoutMs / 4)),
    });
    const rebalancer = new LeaderRebalancer(store, logger, config.leaderImbalanceCheckIntervalMs);
    const groups = startGroupCoordinator({
      store,
      clock,
      random,
      logger,
      heartbeatIntervalMs: config.groupHeartbeatIntervalMs,
    });
    teardown.add('classic group deadlines', () => groups.classic.stop());
    const producerIds = new ProducerIdAllocator(store);
    const security = new CoordinatorSecurityState(store, {
      authorizer: config.authorizer,
      superUsers: config.superUsers ?? [],
      allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound,
    });
    const bounds = new PrincipalBounds(config, clock, () => store.state);
    bounds.onRefusal((bound) => metrics.principalBoundRefusals.inc({ bound }));
    replica.onLeadership(() => bounds.clear());
    const duties = new LeaderDuties({
      store,
      sessions,
      liveness,
      rebalancer,
      groups,
      producerIds,
      bootstrapScram: config.addScram,
      random,
      logger,
    });
    teardown.add('leader duties', () => duties.close());
    replica.onLeadership((leading) => duties.leadershipChanged(leading));
    if (replica.isReadyLeader()) duties.leadershipChanged(true);

    const ctx: CoordinatorContext = {
      store,
      sessions,
      random,
      logger,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      sessionTimeoutMs: config.sessionTimeoutMs,
      coordinatorAddress: ownAddress,
      quorum: { replica, voters, voterAddress },
      security,
    };
    const gate: LeaderGate = {
      canServe: () => duties.serving,
      refusal: (listenerName) => replica.notLeaderError(listenerName),
      voterAddress,
    };
    const services = loadFjordProto().fjord.v1;
    const { server, port, ports } = await startGrpcServer({
      listeners: config.listeners,
      services: [
        {
          definition: services.CoordinatorService.service,
          handlers: leaderOnly(coordinatorServiceHandlers(ctx), gate, ['DescribeQuorum']),
        },
        {
          definition: services.GroupCoordinatorService.service,
          handlers: leaderOnly(
            groupServiceHandlers(groups.context, { authorizer: () => security.authorizer(), bounds }),
            gate,
          ),
        },
        {
          definition: services.ProducerIdService.service,
          handlers: leaderOnly(producerIdServiceHandlers(producerIds, logger, bounds), gate),
        },
        {
          definition: securityServiceDefinition(),
          handlers: leaderOnly(securityServiceHandlers(ctx), gate),
        },
        { definition: services.QuorumService.service, handlers: quorumServiceHandlers(transport, logger) },
      ],
      health,
      instrument: { metrics: metrics.requests },
      limits: config,
      security: serverSecurity(config, security),
    });
    teardown.add('grpc server', () => {
      // Held group heartbeats answer now instead of holding the drain up to an interval.
      groups.waiters.close();
      return stopGrpcServer(server);
    });
    endpoints = advertisedEndpoints(config.listeners, ports);
    voterEndpoints.setOwn(endpoints);
    if (peers.size === 0 && !duties.serving) await duties.whenServing();
    logger.info(
      {
        port,
        host: config.listeners[0]!.host,
        listeners: boundListenerAddresses(config.listeners, ports),
        voterId: config.nodeId,
        voters: voters().map((v) => `${v.id}@${v.address}`),
        clusterId: store.state.clusterId,
        metadataVersion: store.metadataVersion,
      },
      'listening',
    );
    const quorumHealth = new ScheduledJob({
      name: 'quorum health check',
      intervalMs: QUORUM_HEALTH_CHECK_INTERVAL_MS,
      logger,
      run: async () => {
        if (replica.node.inContactWithQuorum()) health.setServing();
        else health.setNotServing();
      },
    });
    await quorumHealth.runNow();
    quorumHealth.start();
    teardown.add('quorum health check', () => quorumHealth.stop());

    let stopping: Promise<void> | undefined;
    return {
      port,
      ports,
      metricsPort: observability.port,
      store,
      replica,
      sessions,
      liveness,
      stop() {
        stopping ??= (async () => {
          // A leader being stopped hands its leadership over first (while it still takes the
          // others' answers), so a planned restart does not cost the quorum an election timeout.
          if (peers.size > 0) {
            const startedMs = Date.now();
            const to = await replica.handOffLeadership(raft.electionTimeoutMs);
            if (to !== undefined) {
              logger.info({ to, tookMs: Date.now() - startedMs }, 'handed the quorum leadership over');
            }
          }
          // Before anything else: probes and balancers stop sending work while it drains.
          health.shutdown();
          await teardown.run();
        })();
        return stopping;
      },
    };
  });
}
