import type { v1 } from '@fjord/protocol';
import { ErrorCode } from '@fjord/protocol';
import { ConnectionError, FjordError, LeaderNotAvailableError, protocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ConnectionPool, UnaryInvoker } from './connections.js';

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
 * The client's view of the cluster: talks to the coordinator (trying each bootstrap address
 * in turn) and caches topic routing and broker addresses. Stale entries are dropped by
 * {@link invalidate} after a NOT_LEADER-style error, and by age after `metadataMaxAgeMs`.
 */
export class Cluster {
  readonly #deps: ClusterDeps;
  readonly #now: () => number;
  readonly #topics = new Map<string, CachedTopic>();
  readonly #brokers = new Map<number, BrokerMetadata>();
  // Concurrent lookups of the same topic share one GetMetadata call.
  readonly #pending = new Map<string, Promise<TopicMetadata>>();
  #preferred = 0;

  constructor(deps: ClusterDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
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
   * Calls the coordinator: the last address that answered first, then every other bootstrap
   * address, moving on only on connection failures and timeouts.
   */
  async coordinator<Res>(invoke: (client: v1.CoordinatorServiceClient) => UnaryInvoker<Res>): Promise<Res> {
    return this.#callCoordinator((address) => invoke(this.#deps.pool.coordinator(address)));
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

  async #callCoordinator<Res>(
    invoker: (address: string) => UnaryInvoker<Res>,
    signal?: AbortSignal,
  ): Promise<Res> {
    const { bootstrap, pool, requestTimeoutMs } = this.#deps;
    const failures: FjordError[] = [];
    for (let i = 0; i < bootstrap.length; i++) {
      const index = (this.#preferred + i) % bootstrap.length;
      const address = bootstrap[index] as string;
      try {
        const response = await pool.unary(address, requestTimeoutMs, invoker(address), signal);
        this.#preferred = index;
        return response;
      } catch (error) {
        const failure = FjordError.from(error, address);
        if (failure.code !== 'CONNECTION_ERROR' && failure.code !== 'REQUEST_TIMEOUT') throw failure;
        this.#deps.logger.debug('coordinator unreachable', { address, error: failure.message });
        failures.push(failure);
      }
    }
    if (failures.length === 1) throw failures[0];
    throw new ConnectionError(
      `no coordinator reachable at ${bootstrap.join(', ')}: ${failures.map((f) => f.message).join('; ')}`,
      undefined,
      { cause: failures.at(-1) },
    );
  }

  /** Asks the coordinator for routing of `topics` (all topics when empty) and refreshes the cache. */
  async fetchMetadata(topics: readonly string[]): Promise<v1.GetMetadataResponse__Output> {
    const response = await this.coordinator<v1.GetMetadataResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.getMetadata({ topics: [...topics] }, metadata, options, callback),
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
