import { randomUUID } from 'node:crypto';
import { ErrorCode, errorInfo, type v1 } from '@fjord/protocol';
import type { Logger } from 'pino';
import type { ClusterIdentity } from './cluster-identity.js';
import type { CoordinatorApi } from './coordinator-client.js';
import type { HostedReplicas, ReplicaAssignment } from './hosted-replicas.js';

/** The addresses a broker registers (advertised, after binding). */
export interface RegisteredListeners {
  /** Every gRPC listener; the first one is the inter-broker listener. */
  grpc: readonly v1.ListenerEndpoint[];
  /** Every Kafka-protocol listener (none: the broker runs no Kafka listener). */
  kafka: readonly v1.ListenerEndpoint[];
}

export interface MembershipOptions {
  brokerId: number;
  coordinator: CoordinatorApi;
  replicas: HostedReplicas;
  /** Refuses a coordinator of another cluster than the one this data directory belongs to. */
  identity: ClusterIdentity;
  logger: Logger;
  /** Heartbeat / retry interval until the coordinator tells us its own. */
  initialHeartbeatIntervalMs?: number;
  /**
   * Whether the previous process on this data directory stopped cleanly; told to the
   * coordinator on this process's first registration (default true).
   */
  previousShutdownClean?: boolean;
  /** Called after every successful (re-)registration, once `registered` is logged. */
  onRegistered?: () => void;
  /**
   * Called with every accepted heartbeat answer's `security_version`, so the broker's copy of
   * the ACLs and credentials follows it.
   */
  onSecurityVersion?: (version: bigint) => void;
  /** Called after every applied hosted-replica list, with the brokers the coordinator listed. */
  onMetadata?: (brokers: ReadonlyArray<{ id: number; host: string; port: number; alive: boolean }>) => void;
}

/**
 * The broker's membership in the cluster (docs/dev/CONTRACTS.md): registers under its
 * stable id with a fresh incarnation id, heartbeats every heartbeatIntervalMs and applies
 * the hosted-replica list whenever metadata changed: a complete list as it is, a delta (only
 * the replicas that changed, and those removed) on top of the list last applied.
 * Registration is retried every interval (duplicate registration, coordinator down);
 * STALE_BROKER_EPOCH / BROKER_ID_NOT_REGISTERED make it register again. While the coordinator is unreachable the broker keeps serving
 * what it has.
 */
/**
 * First retry after a failed heartbeat or registration, doubling up to the heartbeat interval
 * while they keep failing: during a quorum election a broker finds the new leader within about
 * this long of it serving, instead of a whole interval later.
 */
const FIRST_RETRY_AFTER_FAILURE_MS = 100;

export class ClusterMembership {
  /** Random per process start: lets the coordinator tell a restart from a duplicate. */
  readonly incarnationId = randomUUID();
  private brokerEpoch: string | null = null;
  private metadataVersion = '-1';
  /** The coordinator's digest of the replicas and brokers last applied ('' = none yet). */
  private viewDigest = '';
  /** The hosted-replica list last applied, by `topicId/partition`: what a delta applies to. */
  private appliedReplicas = new Map<string, ReplicaAssignment>();
  private intervalMs: number;
  private listeners: RegisteredListeners = { grpc: [], kafka: [] };
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private running: Promise<boolean> | undefined;
  private queued: Promise<boolean> | undefined;
  private registeredOnce = false;
  /** Heartbeats (or registrations) failed in a row, for the retry delay. */
  private failuresInARow = 0;

  constructor(private readonly options: MembershipOptions) {
    this.intervalMs = options.initialHeartbeatIntervalMs ?? 2_000;
  }

  /** The current broker epoch, null while not registered. */
  get epoch(): string | null {
    return this.brokerEpoch;
  }

  /**
   * Starts registering and heartbeating with the advertised addresses of the bound listeners;
   * the first gRPC listener is the inter-broker one, whose addresses of other brokers this
   * broker asks for.
   */
  start(listeners: RegisteredListeners): void {
    if (listeners.grpc.length === 0) throw new Error('a broker registers at least one gRPC listener');
    this.listeners = listeners;
    this.stopped = false;
    void this.tick();
  }

  /** Stops the heartbeat loop (in-flight calls finish on their own). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * An immediate heartbeat (registering first if needed) to pick up metadata changes.
   * Concurrent callers share one call; a caller arriving while a heartbeat is in flight
   * waits for the next one, which starts after it and so sees changes made meanwhile.
   * Resolves true when fresh metadata was obtained.
   */
  refresh(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    if (!this.running) {
      this.running = this.beat().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  private async tick(): Promise<void> {
    const ok = await this.refresh();
    if (this.stopped) return;
    this.failuresInARow = ok ? 0 : this.failuresInARow + 1;
    const delayMs =
      this.failuresInARow === 0
        ? this.intervalMs
        : Math.min(
            this.intervalMs,
            FIRST_RETRY_AFTER_FAILURE_MS * 2 ** Math.min(this.failuresInARow - 1, 10),
          );
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async beat(reregistered = false): Promise<boolean> {
    if (this.brokerEpoch === null && !(await this.register())) return false;
    const { coordinator, replicas, logger, brokerId } = this.options;
    let response: Awaited<ReturnType<CoordinatorApi['brokerHeartbeat']>>;
    try {
      response = await coordinator.brokerHeartbeat({
        brokerId,
        brokerEpoch: this.brokerEpoch!,
        knownMetadataVersion: this.metadataVersion,
        knownViewDigest: this.viewDigest,
        listenerName: this.listeners.grpc[0]!.name,
        acceptsReplicaDeltas: true,
      });
    } catch (error) {
      logger.warn({ err: errorSummary(error) }, 'heartbeat failed; coordinator unreachable');
      return false;
    }
    if (
      response.errorCode === ErrorCode.STALE_BROKER_EPOCH ||
      response.errorCode === ErrorCode.BROKER_ID_NOT_REGISTERED
    ) {
      logger.warn(
        { errorCode: response.errorCode, error: response.errorMessage },
        'heartbeat refused; registering again',
      );
      this.brokerEpoch = null;
      return this.stopped || reregistered ? false : this.beat(true);
    }
    if (response.errorCode !== ErrorCode.NONE) {
      logger.warn({ errorCode: response.errorCode, error: response.errorMessage }, 'heartbeat refused');
      return false;
    }
    // Before the metadata checks: a security change needs no replica change to be copied.
    this.options.onSecurityVersion?.(BigInt(response.securityVersion || '0'));
    if (response.hasChanges && BigInt(response.metadataVersion) < BigInt(this.metadataVersion)) {
      // A deposed quorum leader still answering: its view is older than one applied already,
      // and the broker's view never goes back in time.
      logger.warn(
        { metadataVersion: response.metadataVersion, applied: this.metadataVersion },
        'heartbeat answer older than the metadata applied; ignored',
      );
      return false;
    }
    if (response.hasChanges && response.viewUnchanged) {
      // Metadata moved elsewhere (groups, other brokers' partitions): nothing to apply.
      this.metadataVersion = response.metadataVersion;
    } else if (response.hasChanges) {
      const next = response.replicasAreDelta
        ? withDelta(this.appliedReplicas, response.replicas, response.removedReplicas)
        : new Map(response.replicas.map((r) => [replicaKey(r.topicId, r.partition), r]));
      try {
        await replicas.apply([...next.values()]);
      } catch (error) {
        logger.error({ err: error }, 'applying hosted replicas failed; will retry');
        return false;
      }
      logger.info(
        {
          metadataVersion: response.metadataVersion,
          replicas: next.size,
          delta: response.replicasAreDelta,
          changed: response.replicas.length,
          removed: response.removedReplicas.length,
        },
        'hosted replicas updated',
      );
      this.appliedReplicas = next;
      this.metadataVersion = response.metadataVersion;
      this.viewDigest = response.viewDigest;
      this.options.onMetadata?.(response.brokers);
    }
    return true;
  }

  private async register(): Promise<boolean> {
    const { coordinator, logger, brokerId } = this.options;
    const interBroker = this.listeners.grpc[0]!;
    const firstKafka = this.listeners.kafka[0];
    try {
      const response = await coordinator.registerBroker({
        brokerId,
        host: interBroker.host,
        port: interBroker.port,
        kafkaHost: firstKafka?.host ?? '',
        kafkaPort: firstKafka?.port ?? 0,
        listeners: [...this.listeners.grpc],
        kafkaListeners: [...this.listeners.kafka],
        incarnationId: this.incarnationId,
        // A later registration of the same process lost nothing: only the first can be unclean.
        previousShutdownClean: this.registeredOnce || (this.options.previousShutdownClean ?? true),
      });
      if (response.errorCode !== ErrorCode.NONE) {
        logger.warn(
          {
            errorCode: response.errorCode,
            errorName: errorInfo(response.errorCode).name,
            error: response.errorMessage,
          },
          'registration refused; retrying',
        );
        return false;
      }
      const otherCluster = await this.options.identity.adopt(response.clusterId);
      if (otherCluster !== undefined) {
        logger.error(
          { coordinatorClusterId: response.clusterId, dataClusterId: otherCluster },
          'the coordinator belongs to another cluster than this data directory; refusing to join ' +
            '(point --coordinator at the right cluster, or remove the data directory to start over)',
        );
        return false;
      }
      this.brokerEpoch = response.brokerEpoch;
      this.registeredOnce = true;
      // A new incarnation starts from a full hosted-replica list.
      this.metadataVersion = '-1';
      this.viewDigest = '';
      this.appliedReplicas = new Map();
      if (response.heartbeatIntervalMs > 0) this.intervalMs = response.heartbeatIntervalMs;
      logger.info(
        { brokerId, brokerEpoch: response.brokerEpoch, clusterId: response.clusterId },
        'registered',
      );
      this.options.onRegistered?.();
      return true;
    } catch (error) {
      logger.warn({ err: errorSummary(error) }, 'registration failed; coordinator unreachable, retrying');
      return false;
    }
  }
}

const replicaKey = (topicId: string, partition: number) => `${topicId}/${partition}`;

/** `applied` with the replicas of a delta answer put in (new or changed) and taken out (removed). */
function withDelta(
  applied: ReadonlyMap<string, ReplicaAssignment>,
  changed: readonly ReplicaAssignment[],
  removed: ReadonlyArray<{ topicId: string; partition: number }>,
): Map<string, ReplicaAssignment> {
  const next = new Map(applied);
  for (const r of removed) next.delete(replicaKey(r.topicId, r.partition));
  for (const r of changed) next.set(replicaKey(r.topicId, r.partition), r);
  return next;
}

/** Short form of a gRPC error for logs (the full stack of every retry is noise). */
function errorSummary(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
