import type { v1 } from '@fjord/protocol';
import { CoordinatorQuorum, ErrorCode } from '@fjord/protocol';
import { FjordError, LeaderNotAvailableError, NotCoordinatorError, protocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ConnectionPool, UnaryInvoker } from './connections.js';
import { classifySdkFailure, exhaustedError } from './coordinator-failures.js';

/**
 * Deadline of a DescribeQuorum sent to find the leader: short, so that a stopped voter does
 * not hold up the first call for a whole request timeout.
 */
const DESCRIBE_QUORUM_TIMEOUT_MS = 3_000;

/** A broker as the coordinator reports it. */
export interface BrokerMetadata {
  id: number;
  host: string;
  port: number;
  /** False while the broker is fenced (missed its session timeout). */
  alive: boolean;
}

/** Routing of one partition. */
export interface PartitionMetadata {
  partition: number;
  /** Broker id of the leader, -1 while the partition is offline. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

/** Routing of one topic, partitions sorted by number. */
export interface TopicMetadata {
  name: string;
  id: string;
  partitions: PartitionMetadata[];
  /** Effective topic configuration (Kafka names), e.g. `max.message.bytes`. */
  configs: Record<string, string>;
}

interface CachedTopic {
  topic: TopicMetadata;
  fetchedAt: number;
}

/** What a {@link Cluster} needs. */
export interface ClusterDeps {
  bootstrap: readonly string[];
  pool: ConnectionPool;
  requestTimeoutMs: number;
  metadataMaxAgeMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * The client's view of the cluster: talks to the coordinator quorum's leader (found from the
 * bootstrap addresses and followed when it changes, see {@link CoordinatorQuorum}) and caches
 * topic routing and broker addresses. Stale entries are dropped by {@link invalidate} after a
 * NOT_LEADER-style error, and by age after `metadataMaxAgeMs`. Metadata never goes back in
 * time: an answer of a lower metadata version than one already applied (from a deposed
 * leader) is refused and asked again of the leader.
 */
export class Cluster {
  readonly #deps: ClusterDeps;
  readonly #now: () => number;
  readonly #topics = new Map<string, CachedTopic>();
  readonly #brokers = new Map<number, BrokerMetadata>();
  // Concurrent lookups of the same topic share one GetMetadata call.
  readonly #pending = new Map<string, Promise<TopicMetadata>>();
  readonly #quorum: CoordinatorQuorum;
  // The newest metadata applied, per cluster id (a wiped cluster starts its versions again).
  #clusterId: string | undefined;
  #metadataVersion = -1n;

  constructor(deps: ClusterDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#quorum = new CoordinatorQuorum({
      bootstrap: deps.bootstrap,
      describe: (address) =>
        deps.pool.unary<v1.DescribeQuorumResponse__Output>(
          address,
          Math.min(deps.requestTimeoutMs, DESCRIBE_QUORUM_TIMEOUT_MS),
          (metadata, options, callback) =>
            deps.pool.coordinator(address).describeQuorum({}, metadata, options, callback),
        ),
      onLeaderChange: (leader, previous) =>
        deps.logger.debug('coordinator leader', {
          leader: leader ?? 'unknown',
          previous: previous ?? 'unknown',
        }),
    });
  }

  /** The coordinator quorum as this client knows it: addresses and the leader believed. */
  get quorum(): CoordinatorQuorum {
    return this.#quorum;
  }

  /** The connection pool, for calls to brokers. */
  get pool(): ConnectionPool {
    return this.#deps.pool;
  }

  /** The per-request deadline, in milliseconds. */
  get requestTimeoutMs(): number {
    return this.#deps.requestTimeoutMs;
  }

  /**
   * Calls the coordinator quorum's leader: the address believed to lead first, then the one
   * a NOT_COORDINATOR answer names, then every other known coordinator, each at most once.
   * Throws NotCoordinatorError or ConnectionError (both retriable) when none leads or
   * answers; the caller's retry loop backs off and calls again. `accept` may refuse an
   * answer by throwing (a retriable refusal moves on to the next coordinator).
   */
  async coordinator<Res>(
    invoke: (client: v1.CoordinatorServiceClient) => UnaryInvoker<Res>,
    accept?: (response: Res, address: string) => void,
  ): Promise<Res> {
    return this.#callCoordinator(
      (address) => invoke(this.#deps.pool.coordinator(address)),
      undefined,
      accept,
    );
  }

  /**
   * Calls one coordinator `address`, leader or not (DescribeQuorum is answered by every
   * voter).
   */
  async coordinatorAt<Res>(
    address: string,
    invoke: (client: v1.CoordinatorServiceClient) => UnaryInvoker<Res>,
  ): Promise<Res> {
    const { pool, requestTimeoutMs } = this.#deps;
    return pool.unary(address, requestTimeoutMs, invoke(pool.coordinator(address)));
  }

  /**
   * Refuses (with a retriable NotCoordinatorError) metadata of a lower version than the
   * newest already applied, and otherwise records its version: a deposed leader that still
   * answers must not move this client's view back.
   */
  acceptMetadataVersion(clusterId: string, version: string, address: string): void {
    const seen = BigInt(version);
    if (clusterId !== this.#clusterId) {
      this.#clusterId = clusterId;
      this.#metadataVersion = seen;
      return;
    }
    if (seen < this.#metadataVersion) {
      this.#quorum.forgetLeader();
      throw new NotCoordinatorError(
        `metadata version ${seen} is older than version ${this.#metadataVersion} already seen`,
        { address },
      );
    }
    this.#metadataVersion = seen;
  }

  /**
   * Calls the coordinator's GroupCoordinatorService, with the same failover as
   * {@link coordinator}. Aborting `signal` cancels the call (it rejects with ClosedError).
   */
  async groups<Res>(
    invoke: (client: v1.GroupCoordinatorServiceClient) => UnaryInvoker<Res>,
    signal?: AbortSignal,
  ): Promise<Res> {
    return this.#callCoordinator((address) => invoke(this.#deps.pool.groups(address)), signal);
  }

  /** Calls the coordinator's ProducerIdService, with the same failover as {@link coordinator}. */
  async producerIds<Res>(invoke: (client: v1.ProducerIdServiceClient) => UnaryInvoker<Res>): Promise<Res> {
    return this.#callCoordinator((address) => invoke(this.#deps.pool.producerIds(address)));
  }

  /** Calls the coordinator's SecurityService, with the same failover as {@link coordinator}. */
  async security<Res>(invoke: (client: v1.SecurityServiceClient) => UnaryInvoker<Res>): Promise<Res> {
    return this.#callCoordinator((address) => invoke(this.#deps.pool.security(address)));
  }

  async #callCoordinator<Res>(
    invoker: (address: string) => UnaryInvoker<Res>,
    signal?: AbortSignal,
    accept?: (response: Res, address: string) => void,
  ): Promise<Res> {
    const { pool, requestTimeoutMs } = this.#deps;
    return this.#quorum.call(
      async (address) => {
        let response: Res;
        try {
          response = await pool.unary(address, requestTimeoutMs, invoker(address), signal);
        } catch (error) {
          const failure = FjordError.from(error, address);
          if (classifySdkFailure(failure).kind === 'unreachable') {
            this.#deps.logger.debug('coordinator unreachable', { address, error: failure.message });
          }
          throw failure;
        }
        accept?.(response, address);
        return response;
      },
      {
        classify: classifySdkFailure,
        exhausted: (failures) => exhaustedError(failures, this.#quorum.addresses),
      },
    );
  }

  /** Asks the coordinator for routing of `topics` (all topics when empty) and refreshes the cache. */
  async fetchMetadata(topics: readonly string[]): Promise<v1.GetMetadataResponse__Output> {
    const response = await this.coordinator<v1.GetMetadataResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.getMetadata({ topics: [...topics] }, metadata, options, callback),
      (answer, address) => this.acceptMetadataVersion(answer.clusterId, answer.metadataVersion, address),
    );
    this.#applyBrokers(response.brokers);
    const fetchedAt = this.#now();
    for (const info of response.topics) {
      if (info.errorCode === ErrorCode.NONE) {
        this.#topics.set(info.name, { topic: toTopicMetadata(info), fetchedAt });
      } else {
        this.#topics.delete(info.name);
      }
    }
    return response;
  }

  /**
   * Routing of one topic, from the cache when fresh. Throws UnknownTopicOrPartitionError (not
   * retriable: Fjord never auto-creates topics) when the coordinator does not know it.
   */
  async topic(name: string): Promise<TopicMetadata> {
    const cached = this.#topics.get(name);
    if (cached && this.#now() - cached.fetchedAt < this.#deps.metadataMaxAgeMs) return cached.topic;
    let pending = this.#pending.get(name);
    if (!pending) {
      pending = this.#load(name).finally(() => this.#pending.delete(name));
      this.#pending.set(name, pending);
    }
    return pending;
  }

  /** The cached routing of a topic when it is fresh (no I/O): the producer's fast path. */
  cachedTopic(name: string): TopicMetadata | undefined {
    const cached = this.#topics.get(name);
    return cached && this.#now() - cached.fetchedAt < this.#deps.metadataMaxAgeMs ? cached.topic : undefined;
  }

  /** Drops a topic's cached routing so the next lookup asks the coordinator. */
  invalidate(topic: string): void {
    this.#topics.delete(topic);
  }

  /** A cached broker, if known. */
  broker(id: number): BrokerMetadata | undefined {
    return this.#brokers.get(id);
  }

  /**
   * The `host:port` of a partition's leader. Throws LeaderNotAvailableError (retriable) when
   * the partition is offline or its leader's address is unknown.
   */
  leaderAddress(topic: TopicMetadata, partition: number): { leader: number; address: string; epoch: number } {
    const info = topic.partitions[partition];
    if (!info || info.partition !== partition) {
      throw protocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined, { topic: topic.name, partition });
    }
    const broker = info.leader >= 0 ? this.#brokers.get(info.leader) : undefined;
    if (!broker) {
      throw new LeaderNotAvailableError(
        info.leader < 0
          ? 'the partition has no leader right now'
          : `leader ${info.leader} has no known address`,
        { topic: topic.name, partition },
      );
    }
    return { leader: info.leader, address: formatAddress(broker.host, broker.port), epoch: info.leaderEpoch };
  }

  async #load(name: string): Promise<TopicMetadata> {
    const response = await this.fetchMetadata([name]);
    const info = response.topics.find((t) => t.name === name);
    if (!info) throw protocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, undefined, { topic: name });
    if (info.errorCode !== ErrorCode.NONE) {
      throw protocolError(info.errorCode, info.errorMessage, { topic: name });
    }
    return toTopicMetadata(info);
  }

  #applyBrokers(brokers: readonly v1.BrokerInfo__Output[]): void {
    for (const b of brokers)
      this.#brokers.set(b.id, { id: b.id, host: b.host, port: b.port, alive: b.alive });
  }
}

/** `host:port`, with brackets around IPv6 hosts. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Converts the wire TopicInfo to the SDK's shape, partitions sorted so index == partition number. */
export function toTopicMetadata(info: v1.TopicInfo__Output): TopicMetadata {
  const partitions = info.partitions
    .map((p) => ({
      partition: p.partition,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: [...p.replicas],
      isr: [...p.isr],
    }))
    .sort((a, b) => a.partition - b.partition);
  return { name: info.name, id: info.topicId, partitions, configs: { ...info.configs } };
}
