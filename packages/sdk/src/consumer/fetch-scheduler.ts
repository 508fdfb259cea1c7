import { DEFAULT_MAX_DECOMPRESSED_BYTES, type v1 } from '@fjord/protocol';
import type { Cluster, TopicMetadata } from '../cluster/metadata.js';
import { FjordError } from '../errors.js';
import { groupBy } from '../group-by.js';
import type { ResolvedConsumerOptions } from '../options.js';
import type { Clock } from '../retry.js';
import { FetchSession } from './fetch-session.js';
import { applyFetchResponse, buildFetchRequest, type FetchLimits, type FetchTarget } from './fetcher.js';
import type { PartitionBackoff } from './partition-backoff.js';
import type { PartitionState } from './partition-state.js';
import type { PositionManager } from './position-manager.js';

/** A Fetch in flight to one broker. */
interface InFlightFetch {
  done: Promise<void>;
  cancel: AbortController;
}

/** What a {@link FetchScheduler} needs. */
export interface FetchSchedulerDeps {
  cluster: Cluster;
  options: Pick<
    ResolvedConsumerOptions,
    'fetchMaxWaitMs' | 'fetchMinBytes' | 'fetchMaxBytes' | 'maxPartitionFetchBytes'
  > &
    Partial<Pick<ResolvedConsumerOptions, 'fetchSessions'>>;
  clock: Clock;
  backoff: PartitionBackoff;
  positions: PositionManager;
  /** Hands an error to the next poll(). */
  report: (error: FjordError) => void;
  /** Called whenever a Fetch ends, so a waiting poll() looks at what it brought. */
  settled: () => void;
}

/**
 * Sends the consumer's fetches: at most one in flight per broker, covering every partition
 * ready to fetch that the broker leads, and applies each answer to the partition states it
 * was asked for. Each broker is fetched from through a fetch session on one stream
 * (FetchStream: only the changes are sent), or with unary Fetch requests from a broker that
 * does not serve FetchStream. A broker whose answer carried a throttle time (its fetch byte-rate
 * quota was exceeded) is not asked again before that time has passed, as a Kafka consumer
 * waits throttle_time_ms (KIP-219): its partitions wait as if backing off, without counting a
 * failure.
 */
export class FetchScheduler {
  readonly #deps: FetchSchedulerDeps;
  // The Fetch in flight per broker address.
  readonly #fetches = new Map<string, InFlightFetch>();
  // Until when each broker asked not to be fetched from (its answer's throttle_time_ms).
  readonly #throttledUntil = new Map<string, number>();
  // The fetch session (FetchStream) with each broker; brokers without one get unary Fetches.
  readonly #sessions = new Map<string, FetchSession>();
  readonly #sessionless = new Set<string>();
  readonly #abort = new AbortController();

  constructor(deps: FetchSchedulerDeps) {
    this.#deps = deps;
  }

  /**
   * Starts a Fetch to each broker leading a partition that has a position, nothing buffered
   * (no undecodable batch waiting to be reported either), is not paused and not backing off, unless one is in flight there already. The broker may
   * hold the Fetch until `deadline` (at most `fetchMaxWaitMs`).
   */
  async start(states: readonly PartitionState[], deadline: number): Promise<void> {
    const { cluster, backoff, options, clock } = this.#deps;
    const now = clock.now();
    const ready = states.filter(
      (s) =>
        !s.paused &&
        s.position !== undefined &&
        s.buffered.length === 0 &&
        s.undecodable === undefined &&
        s.retryAt <= now,
    );
    const byLeader = new Map<string, FetchTarget[]>();
    for (const [topic, group] of groupBy(ready, (s) => s.topic)) {
      let metadata: TopicMetadata;
      try {
        metadata = await cluster.topic(topic);
      } catch (error) {
        backoff.fail(group, FjordError.from(error));
        continue;
      }
      for (const state of group) {
        try {
          const { address, epoch } = cluster.leaderAddress(metadata, state.partition);
          const throttledUntil = this.#throttledUntil.get(address);
          if (throttledUntil !== undefined) {
            if (throttledUntil > now) {
              state.retryAt = Math.max(state.retryAt, throttledUntil);
              continue;
            }
            this.#throttledUntil.delete(address);
          }
          const inFlight = this.#fetches.get(address);
          if (inFlight) {
            // A partition not fetched since it was assigned, sought or resumed would wait for
            // the broker's long-poll to end: cancel it, and the next round fetches everything
            // on that broker together, this partition included. (A partition that merely
            // drained its buffer waits, as a Kafka consumer does: cancelling then would throw
            // away answers in flight on every poll of a busy consumer.)
            if (state.fetchedGeneration !== state.generation) inFlight.cancel.abort();
            continue;
          }
          const targets = byLeader.get(address) ?? [];
          targets.push({
            state,
            fetchOffset: state.position as bigint,
            generation: state.generation,
            leaderEpoch: epoch,
          });
          byLeader.set(address, targets);
        } catch (error) {
          backoff.fail([state], FjordError.from(error));
        }
      }
    }
    const maxWaitMs = Math.max(0, Math.min(options.fetchMaxWaitMs, deadline - clock.now()));
    for (const [address, targets] of byLeader) {
      const cancel = new AbortController();
      const done = this.#fetch(address, targets, maxWaitMs, cancel.signal).finally(() => {
        this.#fetches.delete(address);
        this.#deps.settled();
      });
      for (const t of targets) t.state.fetchedGeneration = t.generation;
      this.#fetches.set(address, { done, cancel });
    }
  }

  /** Cancels every Fetch in flight and waits for them to end. */
  async close(): Promise<void> {
    this.#abort.abort();
    for (const session of this.#sessions.values()) session.close();
    await Promise.allSettled([...this.#fetches.values()].map((f) => f.done));
  }

  // The session with `address`, opened on first use; undefined for a broker without FetchStream.
  #session(address: string): FetchSession | undefined {
    if (this.#deps.options.fetchSessions === false || this.#sessionless.has(address)) return undefined;
    let session = this.#sessions.get(address);
    if (!session) {
      const { cluster } = this.#deps;
      session = new FetchSession(address, () => cluster.pool.fetchStream(address));
      this.#sessions.set(address, session);
    }
    return session;
  }

  async #fetch(
    address: string,
    targets: FetchTarget[],
    maxWaitMs: number,
    cancelled: AbortSignal,
  ): Promise<void> {
    const { cluster, options, backoff, positions, report } = this.#deps;
    const limits: FetchLimits = {
      maxWaitMs,
      minBytes: options.fetchMinBytes,
      maxBytes: options.fetchMaxBytes,
      maxPartitionBytes: options.maxPartitionFetchBytes,
    };
    const session = this.#session(address);
    let response: v1.FetchResponse__Output;
    try {
      if (session) {
        // A cut ends the broker's wait; its answer still comes, and is applied.
        response = await session.fetch(
          targets,
          limits,
          maxWaitMs + cluster.requestTimeoutMs,
          AbortSignal.any([this.#abort.signal, cancelled]),
        );
      } else {
        const request = buildFetchRequest(targets, limits);
        const client = cluster.pool.broker(address);
        response = await cluster.pool.unary<v1.FetchResponse__Output>(
          address,
          maxWaitMs + cluster.requestTimeoutMs,
          (metadata, callOptions, callback) => client.fetch(request, metadata, callOptions, callback),
          AbortSignal.any([this.#abort.signal, cancelled]),
        );
      }
    } catch (error) {
      // Closing, or (unary) cancelled to make room for a wider Fetch: nothing failed, positions did not move.
      if (this.#abort.signal.aborted || (!session && cancelled.aborted)) return;
      if (session?.unsupported) {
        // A broker that predates FetchStream: unary Fetches from now on, starting with this one.
        this.#sessionless.add(address);
        this.#sessions.delete(address);
        return;
      }
      backoff.fail(
        targets.map((t) => t.state),
        FjordError.from(error, address),
      );
      return;
    }
    if (response.throttleTimeMs > 0) {
      this.#throttledUntil.set(address, this.#deps.clock.now() + response.throttleTimeMs);
    }
    // A session's answer leaves out the partitions without news.
    const outcome = applyFetchResponse(
      targets,
      response,
      (topic) => this.#maxBatchBytes(topic),
      session !== undefined,
    );
    for (const { state, error } of outcome.retriable) backoff.fail([state], error);
    for (const { state, offset } of outcome.outOfRange) positions.outOfRange(state, offset);
    for (const { state, error } of outcome.fatal) {
      report(error);
      // Polling on must not ask again at once: the same answer would come back in a tight loop.
      backoff.backOff([state]);
    }
  }

  /** The topic's max.message.bytes, which also caps how far a compressed batch may expand. */
  #maxBatchBytes(topic: string): number {
    const configured = Number(this.#deps.cluster.cachedTopic(topic)?.configs['max.message.bytes']);
    return Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_DECOMPRESSED_BYTES;
  }
}
