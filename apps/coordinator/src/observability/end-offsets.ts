import { type ChannelSecurity, ErrorCode, LATEST_TIMESTAMP, loadFjordProto, type v1 } from '@fjord/protocol';
import { GrpcClientPool, grpcAddress } from '@fjord/server-kit';
import { type MetadataState, topicByName } from '../metadata/state.js';

/** Options of {@link EndOffsets}. */
export interface EndOffsetsOptions {
  /** Bound on each broker's ListOffsets answer (default 1 000 ms): a scrape must not hang. */
  timeoutMs?: number;
  /** Answers younger than this are reused (default 5 000 ms): several scrapers cost one lookup. */
  cacheTtlMs?: number;
  /** Injectable clock for tests. */
  nowMs?: () => number;
  /** How the coordinator dials brokers (`--security-inter-broker-protocol`); default PLAINTEXT. */
  security?: ChannelSecurity;
}

/** `topic:partition` -> the partition's latest offset (its high watermark). */
export type EndOffsetMap = ReadonlyMap<string, bigint>;

/** Key of a partition in an {@link EndOffsetMap}. */
export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/**
 * The latest offsets (high watermarks) of partitions, for consumer-group lag. The coordinator
 * does not learn log end offsets (brokers heartbeat without them), so it asks each partition's
 * leader with ListOffsets(latest), the same lookup the SDK's `listGroupOffsets` and
 * `fjord groups describe` use, so the metric and the CLI agree. One request per leader
 * broker, bounded by a short deadline; answers are cached briefly and concurrent callers
 * share one lookup. A partition whose leader is offline or did not answer in time is left
 * out: its lag is unknown rather than wrong.
 */
export class EndOffsets {
  readonly #timeoutMs: number;
  readonly #cacheTtlMs: number;
  readonly #nowMs: () => number;
  readonly #clients: GrpcClientPool<v1.BrokerServiceClient>;
  #cached: { atMs: number; wanted: string; offsets: EndOffsetMap } | undefined;
  #inFlight: { wanted: string; offsets: Promise<EndOffsetMap> } | undefined;
  #closed = false;

  constructor(options: EndOffsetsOptions = {}) {
    this.#clients = new GrpcClientPool({
      service: loadFjordProto().fjord.v1.BrokerService,
      // A restarted broker should be reachable again by the next scrape.
      reconnectBackoffMs: { initial: 250, max: 5_000 },
      security: options.security,
    });
    this.#timeoutMs = options.timeoutMs ?? 1_000;
    this.#cacheTtlMs = options.cacheTtlMs ?? 5_000;
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** Latest offsets of the given partitions (topic -> partitions), leaders taken from `state`. */
  get(state: MetadataState, partitions: ReadonlyMap<string, ReadonlySet<number>>): Promise<EndOffsetMap> {
    if (this.#closed || partitions.size === 0) return Promise.resolve(new Map());
    const wanted = describe(partitions);
    const cached = this.#cached;
    if (cached && cached.wanted === wanted && this.#nowMs() - cached.atMs < this.#cacheTtlMs) {
      return Promise.resolve(cached.offsets);
    }
    if (this.#inFlight?.wanted === wanted) return this.#inFlight.offsets;
    const offsets = this.#lookUp(state, partitions).then((found) => {
      this.#cached = { atMs: this.#nowMs(), wanted, offsets: found };
      return found;
    });
    const inFlight = { wanted, offsets };
    this.#inFlight = inFlight;
    void offsets.finally(() => {
      if (this.#inFlight === inFlight) this.#inFlight = undefined;
    });
    return offsets;
  }

  /** Closes the channels to the brokers; later lookups find nothing. */
  close(): void {
    this.#closed = true;
    this.#clients.close();
  }

  async #lookUp(
    state: MetadataState,
    partitions: ReadonlyMap<string, ReadonlySet<number>>,
  ): Promise<EndOffsetMap> {
    // Leader broker id -> topic -> partitions it leads.
    const byLeader = new Map<number, Map<string, number[]>>();
    for (const [topic, numbers] of partitions) {
      const topicState = topicByName(state, topic);
      for (const partition of numbers) {
        const leader = topicState?.partitions[partition]?.leader ?? -1;
        const broker = state.brokers[String(leader)];
        if (leader < 0 || !broker || broker.fenced) continue;
        const topics = byLeader.get(leader) ?? new Map<string, number[]>();
        byLeader.set(leader, topics);
        topics.set(topic, [...(topics.get(topic) ?? []), partition]);
      }
    }
    const found = new Map<string, bigint>();
    await Promise.all(
      [...byLeader].map(async ([leader, topics]) => {
        const broker = state.brokers[String(leader)]!;
        const request: v1.ListOffsetsRequest = {
          topics: [...topics].map(([topic, numbers]) => ({
            topic,
            partitions: numbers.map((partition) => ({ partition, timestamp: LATEST_TIMESTAMP })),
          })),
        };
        const response = await this.#listOffsets(grpcAddress(broker.host, broker.port), request).catch(
          () => undefined,
        );
        for (const topic of response?.topics ?? []) {
          for (const p of topic.partitions) {
            if (p.errorCode === ErrorCode.NONE)
              found.set(partitionKey(topic.topic, p.partition), BigInt(p.offset));
          }
        }
      }),
    );
    return found;
  }

  // Async, so that a pool closed meanwhile rejects like an unreachable broker.
  async #listOffsets(
    target: string,
    request: v1.ListOffsetsRequest,
  ): Promise<v1.ListOffsetsResponse__Output> {
    const client = this.#clients.get(target);
    return new Promise((resolve, reject) => {
      client.listOffsets(request, { deadline: Date.now() + this.#timeoutMs }, (error, response) =>
        error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
      );
    });
  }
}

function describe(partitions: ReadonlyMap<string, ReadonlySet<number>>): string {
  return [...partitions]
    .map(([topic, numbers]) => `${topic}:${[...numbers].sort((a, b) => a - b).join(',')}`)
    .sort()
    .join(' ');
}
