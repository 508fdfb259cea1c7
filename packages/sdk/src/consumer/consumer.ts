import {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  EARLIEST_TIMESTAMP,
  ErrorCode,
  LATEST_TIMESTAMP,
  type Record,
  type v1,
} from '@fjord/protocol';
import { lookupOffsets } from '../cluster/list-offsets.js';
import type { Cluster, TopicMetadata } from '../cluster/metadata.js';
import {
  ClosedError,
  DeserializationError,
  FjordError,
  InvalidArgumentError,
  NoOffsetForPartitionError,
  protocolError,
} from '../errors.js';
import { groupBy } from '../group-by.js';
import type { Logger } from '../logger.js';
import type { ResolvedConsumerOptions } from '../options.js';
import { backoffMs, type Clock, type RetryPolicy, retry, systemClock } from '../retry.js';
import type { Deserializer } from '../serde.js';
import { type TopicPartition, tpKey } from '../topic-partition.js';
import {
  applyFetchResponse,
  buildFetchRequest,
  type FetchTarget,
  newPartitionState,
  type PartitionState,
  seekState,
} from './fetcher.js';
import { type CommitOptions, GroupSession, type PartitionHost } from './group/group-session.js';
import type { RebalanceListener } from './group/rebalance-listener.js';
import { type RunOptions, runConsumer } from './runner.js';

/** A record handed out by {@link Consumer.poll}. */
export interface ConsumerRecord<K = Buffer, V = Buffer> {
  topic: string;
  partition: number;
  offset: bigint;
  /** The key (through keyDeserializer if set), null when absent. */
  key: K | null;
  /** The value (through valueDeserializer if set), null when absent. */
  value: V | null;
  /** Headers by name; when a name repeats, the last value wins. */
  headers: { [name: string]: Buffer | null };
  /** Record timestamp, ms since the epoch. */
  timestamp: number;
}

/** A Fetch in flight to one broker. */
interface InFlightFetch {
  done: Promise<void>;
  cancel: AbortController;
}

/** What a {@link Consumer} needs. */
export interface ConsumerDeps {
  cluster: Cluster;
  options: ResolvedConsumerOptions;
  retry: RetryPolicy;
  logger: Logger;
  clock?: Clock;
}

/**
 * Reads records. Get one from `fjord.consumer()`. Two modes:
 * - group mode (`groupId` set): `subscribe()` to topics or a RegExp; the coordinator assigns
 *   partitions (cooperatively, see docs/ARCHITECTURE.md), positions start at the group's
 *   committed offsets, processed offsets are committed (auto commit, `commit()`, on
 *   rebalance and on close);
 * - assign mode (no `groupId`): `assign()` partitions yourself; nothing is committed.
 *
 * Each poll() sends at most one Fetch per broker, covering every owned, unpaused partition
 * that broker leads, and keeps at most one answer per broker buffered. Not safe for
 * concurrent poll() calls.
 */
export class Consumer<K = Buffer, V = Buffer> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly #cluster: Cluster;
  readonly #options: ResolvedConsumerOptions;
  readonly #retry: RetryPolicy;
  readonly #logger: Logger;
  readonly #clock: Clock;
  #states = new Map<string, PartitionState>();
  // The Fetch in flight per broker address.
  readonly #fetches = new Map<string, InFlightFetch>();
  readonly #abort = new AbortController();
  readonly #waiters = new Set<() => void>();
  #errors: FjordError[] = [];
  #closed = false;
  // Set by close() before it commits and leaves: run() and for-await stop taking records.
  #closing = false;
  #runLoop: Promise<void> | undefined;
  #drainStart = 0;
  readonly #group: GroupSession | undefined;
  // Partitions a group gave us whose committed offset has not been looked up yet.
  readonly #awaitingCommitted = new Set<string>();

  constructor(deps: ConsumerDeps) {
    this.#cluster = deps.cluster;
    this.#options = deps.options;
    this.#retry = deps.retry;
    this.#logger = deps.logger;
    this.#clock = deps.clock ?? systemClock;
    const { groupId } = deps.options;
    if (groupId !== undefined) {
      this.#group = new GroupSession({
        cluster: deps.cluster,
        options: { ...deps.options, groupId },
        logger: deps.logger,
        clock: this.#clock,
        host: this.#host(),
      });
    }
  }

  /**
   * Joins the consumer group (`groupId`) subscribed to these topics, or to every topic matching
   * `pattern` (RegExp.test; topics created later are picked up). Calling it again changes the
   * subscription. The listener hears about partition changes (inside poll()). Partitions
   * arrive with the following polls.
   */
  async subscribe(topics: readonly string[] | RegExp, listener: RebalanceListener = {}): Promise<void> {
    this.#assertOpen();
    if (!this.#group) {
      throw new InvalidArgumentError('subscribe() needs a groupId in the consumer options (or use assign())');
    }
    if (topics instanceof RegExp) {
      if (topics.flags.replace(/[su]/g, '') !== '') {
        throw new InvalidArgumentError(
          `subscription regex flags "${topics.flags}" are not supported (only s and u)`,
        );
      }
      this.#group.subscribe({ regex: topics }, listener);
      return;
    }
    if (!Array.isArray(topics) || topics.length === 0) {
      throw new InvalidArgumentError('subscribe() needs at least one topic, or a RegExp');
    }
    if (topics.some((t) => typeof t !== 'string' || t.trim() === '')) {
      throw new InvalidArgumentError('topic names must be non-empty strings');
    }
    this.#group.subscribe({ topics: [...new Set(topics)] }, listener);
  }

  /**
   * Commits offsets to the group: by default those of every record processed so far (all
   * records of earlier polls; for run() and for-await, records whose handler returned).
   * `{ async: true }` does not wait; `{ offsets }` commits exactly those. Rejects with
   * InvalidArgumentError for a partition not owned, FencedMemberEpochError when the member
   * was fenced (its partitions are gone).
   */
  async commit(options: CommitOptions = {}): Promise<void> {
    // Allowed while closing: onPartitionsRevoked may commit during close().
    if (this.#closed) throw new ClosedError('the consumer is closed');
    if (!this.#group)
      throw new InvalidArgumentError('commit() needs a groupId (assign mode commits nothing)');
    await this.#group.commit(options);
  }

  /** The group's committed offsets of partitions (undefined where none). */
  async committed(
    partitions: readonly TopicPartition[],
  ): Promise<Array<TopicPartition & { offset: bigint | undefined }>> {
    this.#assertOpen();
    if (!this.#group) throw new InvalidArgumentError('committed() needs a groupId');
    const found = await this.#group.committed(partitions);
    return partitions.map((tp) => ({
      topic: tp.topic,
      partition: tp.partition,
      offset: found.get(tpKey(tp)),
    }));
  }

  /** Records between the position and the last high watermark seen; undefined until both are known. */
  lag(tp: TopicPartition): bigint | undefined {
    const state = this.#state(tp);
    if (state.position === undefined || state.highWatermark === undefined) return undefined;
    const lag = state.highWatermark - state.position;
    return lag > 0n ? lag : 0n;
  }

  /** The group member id (group mode), for logs and admin output. */
  get memberId(): string | undefined {
    return this.#group?.memberId;
  }

  /**
   * Replaces the assignment. Partitions kept keep their position; new ones start at
   * `autoOffsetReset` unless sought. Throws UnknownTopicOrPartitionError for a topic or
   * partition that does not exist.
   */
  async assign(partitions: readonly TopicPartition[]): Promise<void> {
    this.#assertOpen();
    if (this.#group)
      throw new InvalidArgumentError('a group consumer gets partitions through subscribe(), not assign()');
    if (!Array.isArray(partitions))
      throw new InvalidArgumentError('assign() expects an array of { topic, partition }');
    const next = new Map<string, PartitionState>();
    for (const tp of partitions) {
      assertTopicPartition(tp);
      const metadata = await this.#topic(tp.topic);
      if (tp.partition >= metadata.partitions.length) {
        throw protocolError(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `topic has ${metadata.partitions.length} partitions`,
          tp,
        );
      }
      const key = tpKey(tp);
      next.set(key, this.#states.get(key) ?? newPartitionState(tp));
    }
    // A fetch in flight for a dropped partition must not touch the state it would find again.
    for (const [key, state] of this.#states) if (!next.has(key)) seekState(state, undefined);
    this.#states = next;
    this.#notify();
  }

  /** The partitions assigned right now. */
  assignment(): TopicPartition[] {
    return [...this.#states.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Moves an assigned partition so the next record handed out is the one at `offset`. */
  seek(tp: TopicPartition, offset: bigint): void {
    this.#assertOpen();
    if (typeof offset !== 'bigint' || offset < 0n)
      throw new InvalidArgumentError('offset must be a bigint >= 0n');
    seekState(this.#state(tp), offset);
    this.#awaitingCommitted.delete(tpKey(tp));
    this.#notify();
  }

  /** Moves partitions to their log start offset (asks the leaders now). */
  async seekToBeginning(partitions: readonly TopicPartition[]): Promise<void> {
    await this.#seekTo(partitions, EARLIEST_TIMESTAMP);
  }

  /** Moves partitions to their end, so only records written from now on are read (asks the leaders now). */
  async seekToEnd(partitions: readonly TopicPartition[]): Promise<void> {
    await this.#seekTo(partitions, LATEST_TIMESTAMP);
  }

  /** Offset of the next record poll() hands out for an assigned partition; undefined until known. */
  position(tp: TopicPartition): bigint | undefined {
    return this.#state(tp).position;
  }

  /** Stops fetching these assigned partitions until resume(); buffered records are kept. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#state(tp).paused = true;
  }

  /** Fetches paused partitions again. */
  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const state = this.#state(tp);
      // Fetched at once, not after the long-poll in flight for the others.
      if (state.paused) state.fetchedGeneration = -1;
      state.paused = false;
    }
    this.#notify();
  }

  /** The paused partitions. */
  paused(): TopicPartition[] {
    return [...this.#states.values()]
      .filter((s) => s.paused)
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Waits up to `timeoutMs` for records and returns at most `maxPollRecords` of them (an empty
   * array when none arrived in time), advancing positions past them. Rejects with
   * OffsetOutOfRangeError (autoOffsetReset 'none'), NoOffsetForPartitionError, or the error of a
   * partition that cannot be read (e.g. its topic was deleted); retriable problems are retried
   * by later polls.
   */
  async poll(timeoutMs: number): Promise<Array<ConsumerRecord<K, V>>> {
    // Calling poll() again means the records of the previous poll are processed.
    this.#group?.promoteHandedOut();
    const records = await this.#poll(timeoutMs);
    this.#group?.handedOut(records);
    return records;
  }

  async #poll(timeoutMs: number): Promise<Array<ConsumerRecord<K, V>>> {
    this.#assertOpen();
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
      throw new InvalidArgumentError('timeoutMs must be >= 0');
    const deadline = this.#clock.now() + timeoutMs;
    this.#group?.pollStarted();
    for (;;) {
      this.#throwPendingError();
      await this.#group?.reconcile();
      this.#throwPendingError();
      const records = this.#drain();
      if (records.length > 0 || this.#closed || this.#closing) return records;
      await this.#resetPositions();
      this.#throwPendingError();
      await this.#startFetches(deadline);
      this.#throwPendingError();
      const remaining = deadline - this.#clock.now();
      if (remaining <= 0) return [];
      await this.#wait(Math.min(remaining, this.#nextRetryIn()));
    }
  }

  /** Iterates over records, polling as needed; ends when close() is called. */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<K, V>> {
    while (!this.closed) {
      const records = await this.#poll(1000);
      for (const record of records) {
        if (this.closed) return;
        yield record;
        // The loop body asked for the next record: this one is processed.
        this.#group?.markProcessed(record, record.offset + 1n);
      }
    }
  }

  /**
   * Processes records until close(): `eachMessage` per record or `eachBatch` per partition
   * and poll, `partitionsConsumedConcurrently` partitions at a time. A record counts as
   * processed (and is committed by auto commit) only once its handler returned.
   */
  run(options: RunOptions<K, V>): Promise<void> {
    const loop = runConsumer(this, options);
    this.#runLoop = loop.catch(() => undefined);
    return loop;
  }

  /** @internal For run(): polls without treating earlier records as processed. */
  pollBatch(timeoutMs: number): Promise<Array<ConsumerRecord<K, V>>> {
    return this.#poll(timeoutMs);
  }

  /** @internal For run(): a record's handler returned. */
  markProcessed(record: TopicPartition & { offset: bigint }): void {
    this.#group?.markProcessed(record, record.offset + 1n);
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed || this.#closing;
  }

  /**
   * Stops the consumer. A group consumer first commits processed offsets (records of earlier
   * polls count as processed) and leaves the group, so its partitions move to the others at
   * once. Then fetches in flight are cancelled; a pending poll() returns what it has.
   */
  async close(): Promise<void> {
    if (this.#closed || this.#closing) return;
    this.#closing = true;
    this.#notify();
    // Let a run() loop finish the record it is handling, so what it processed gets committed.
    await this.#runLoop;
    try {
      await this.#group?.close();
    } catch (error) {
      this.#logger.warn('leaving the group failed', { error: (error as Error)?.message });
    }
    this.#closed = true;
    this.#abort.abort();
    this.#notify();
    await Promise.allSettled([...this.#fetches.values()].map((f) => f.done));
  }

  #assertOpen(): void {
    if (this.#closed || this.#closing) throw new ClosedError('the consumer is closed');
  }

  #state(tp: TopicPartition): PartitionState {
    const state = this.#states.get(tpKey(tp));
    if (!state)
      throw new InvalidArgumentError(`${tp?.topic}:${tp?.partition} is not assigned to this consumer`);
    return state;
  }

  #topic(name: string): Promise<TopicMetadata> {
    return this.#cluster.topic(name);
  }

  #throwPendingError(): void {
    const error = this.#errors.shift();
    if (error) throw error;
  }

  // Hands out buffered records, starting at a rotating partition so none starves.
  #drain(): Array<ConsumerRecord<K, V>> {
    const out: Array<ConsumerRecord<K, V>> = [];
    const states = [...this.#states.values()];
    const limit = this.#options.maxPollRecords;
    for (let i = 0; i < states.length && out.length < limit; i++) {
      const state = states[(this.#drainStart + i) % states.length] as PartitionState;
      if (state.paused) continue;
      try {
        this.#take(state, out, limit);
      } catch (error) {
        if (out.length === 0) throw error;
        break;
      }
    }
    this.#drainStart = states.length === 0 ? 0 : (this.#drainStart + 1) % states.length;
    return out;
  }

  #take(state: PartitionState, out: Array<ConsumerRecord<K, V>>, limit: number): void {
    let taken = 0;
    const context = { topic: state.topic, partition: state.partition };
    try {
      while (taken < state.buffered.length && out.length < limit) {
        out.push(this.#toConsumerRecord(state, state.buffered[taken] as Record, context));
        taken++;
      }
    } finally {
      // A deserializer failure leaves the failing record first in the buffer, at the position.
      // (The position moves once per call: a bigint per record is measurable at 1M records/s.)
      if (taken > 0) state.position = (state.buffered[taken - 1] as Record).offset + 1n;
      state.buffered = state.buffered.slice(taken);
    }
    if (state.buffered.length === 0 && state.position !== undefined && state.bufferEnd > state.position) {
      state.position = state.bufferEnd;
    }
  }

  #toConsumerRecord(
    state: PartitionState,
    record: Record,
    context: { topic: string; partition: number },
  ): ConsumerRecord<K, V> {
    const headers: { [name: string]: Buffer | null } = {};
    for (const header of record.headers) headers[header.key] = header.value;
    return {
      topic: state.topic,
      partition: state.partition,
      offset: record.offset,
      key: deserialize(
        this.#options.keyDeserializer as Deserializer<K> | undefined,
        record.key,
        context,
        record,
        'key',
      ),
      value: deserialize(
        this.#options.valueDeserializer as Deserializer<V> | undefined,
        record.value,
        context,
        record,
        'value',
      ),
      headers,
      timestamp: record.timestamp,
    };
  }

  // Partitions without a position start where autoOffsetReset says, looked up on the leaders.
  async #resetPositions(): Promise<void> {
    const now = this.#clock.now();
    await this.#lookupCommitted(now);
    const waiting = [...this.#states.values()].filter(
      (s) => s.position === undefined && s.retryAt <= now && !this.#awaitingCommitted.has(tpKey(s)),
    );
    if (waiting.length === 0) return;
    const reset = this.#options.autoOffsetReset;
    if (reset === 'none') {
      const names = waiting.map((s) => tpKey(s)).join(', ');
      throw new NoOffsetForPartitionError(
        `no position for ${names} and autoOffsetReset is 'none': seek() first`,
      );
    }
    const timestamp = reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    for (const [topic, states] of groupBy(waiting, (s) => s.topic)) {
      const generations = states.map((s) => s.generation);
      try {
        const metadata = await this.#topic(topic);
        const found = await lookupOffsets(
          this.#cluster,
          metadata,
          states.map((s) => s.partition),
          timestamp,
        );
        states.forEach((state, i) => {
          const offset = found.get(state.partition)?.offset;
          // Skip partitions sought while the lookup ran: the seek wins.
          if (offset !== undefined && state.generation === generations[i] && state.position === undefined) {
            seekState(state, offset);
            this.#logger.debug('position reset', {
              topic,
              partition: state.partition,
              offset: String(offset),
              reset,
            });
          }
        });
      } catch (error) {
        this.#onFailure(states, FjordError.from(error));
      }
    }
  }

  // Group partitions start at the group's committed offset; those without one fall through to
  // autoOffsetReset (a committed offset below the log start is reset when the fetch says so).
  async #lookupCommitted(now: number): Promise<void> {
    if (!this.#group || this.#awaitingCommitted.size === 0) return;
    const states = [...this.#states.values()].filter(
      (s) => this.#awaitingCommitted.has(tpKey(s)) && s.retryAt <= now,
    );
    if (states.length === 0) return;
    const generations = states.map((s) => s.generation);
    try {
      const found = await this.#group.committedForMember(states);
      states.forEach((state, i) => {
        const key = tpKey(state);
        if (!this.#awaitingCommitted.delete(key) || state.generation !== generations[i]) return;
        const offset = found.get(key);
        if (offset !== undefined) seekState(state, offset);
      });
    } catch (error) {
      const failure = FjordError.from(error);
      // A fenced member's lookup fails; the membership rejoins and these partitions go away.
      if (
        failure.retriable ||
        failure.code === 'FENCED_MEMBER_EPOCH' ||
        failure.code === 'STALE_MEMBER_EPOCH'
      ) {
        const retryAt = this.#clock.now() + backoffMs(0, this.#retry);
        for (const state of states) state.retryAt = retryAt;
      } else this.#errors.push(failure);
    }
  }

  // The consumer's side of a group session: which partitions it holds.
  #host(): PartitionHost {
    return {
      owned: () => [...this.#states.values()].map(({ topic, partition }) => ({ topic, partition })),
      add: (partitions) => {
        for (const tp of partitions) {
          const key = tpKey(tp);
          if (this.#states.has(key)) continue;
          this.#states.set(key, newPartitionState(tp));
          this.#awaitingCommitted.add(key);
        }
        this.#notify();
      },
      remove: (partitions) => {
        for (const tp of partitions) {
          const key = tpKey(tp);
          const state = this.#states.get(key);
          // Bumping the generation makes a fetch in flight for it drop its answer.
          if (state) seekState(state, undefined);
          this.#states.delete(key);
          this.#awaitingCommitted.delete(key);
        }
      },
      notify: () => this.#notify(),
      fail: (error) => {
        this.#errors.push(error);
        this.#notify();
      },
    };
  }

  async #startFetches(deadline: number): Promise<void> {
    const now = this.#clock.now();
    const ready = [...this.#states.values()].filter(
      (s) => !s.paused && s.position !== undefined && s.buffered.length === 0 && s.retryAt <= now,
    );
    const byLeader = new Map<string, FetchTarget[]>();
    for (const [topic, states] of groupBy(ready, (s) => s.topic)) {
      let metadata: TopicMetadata;
      try {
        metadata = await this.#topic(topic);
      } catch (error) {
        this.#onFailure(states, FjordError.from(error));
        continue;
      }
      for (const state of states) {
        try {
          const { address, epoch } = this.#cluster.leaderAddress(metadata, state.partition);
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
          this.#onFailure([state], FjordError.from(error));
        }
      }
    }
    const maxWaitMs = Math.max(0, Math.min(this.#options.fetchMaxWaitMs, deadline - this.#clock.now()));
    for (const [address, targets] of byLeader) {
      const cancel = new AbortController();
      const done = this.#fetch(address, targets, maxWaitMs, cancel.signal).finally(() => {
        this.#fetches.delete(address);
        this.#notify();
      });
      for (const t of targets) t.state.fetchedGeneration = t.generation;
      this.#fetches.set(address, { done, cancel });
    }
  }

  async #fetch(
    address: string,
    targets: FetchTarget[],
    maxWaitMs: number,
    cancelled: AbortSignal,
  ): Promise<void> {
    const request = buildFetchRequest(targets, {
      maxWaitMs,
      minBytes: this.#options.fetchMinBytes,
      maxBytes: this.#options.fetchMaxBytes,
      maxPartitionBytes: this.#options.maxPartitionFetchBytes,
    });
    let response: v1.FetchResponse__Output;
    try {
      const client = this.#cluster.pool.broker(address);
      response = await this.#cluster.pool.unary<v1.FetchResponse__Output>(
        address,
        maxWaitMs + this.#cluster.requestTimeoutMs,
        (metadata, options, callback) => client.fetch(request, metadata, options, callback),
        AbortSignal.any([this.#abort.signal, cancelled]),
      );
    } catch (error) {
      // Cancelled to make room for a wider Fetch: nothing failed, positions did not move.
      if (this.#closed || cancelled.aborted) return;
      this.#onFailure(
        targets.map((t) => t.state),
        FjordError.from(error, address),
      );
      return;
    }
    const outcome = applyFetchResponse(targets, response, (topic) => this.#maxBatchBytes(topic));
    for (const { state, error } of outcome.retriable) this.#onFailure([state], error);
    for (const { state, offset } of outcome.outOfRange) {
      if (this.#options.autoOffsetReset === 'none') {
        this.#errors.push(
          protocolError(
            ErrorCode.OFFSET_OUT_OF_RANGE,
            `offset ${offset} is out of range and autoOffsetReset is 'none'`,
            { topic: state.topic, partition: state.partition },
          ),
        );
      } else {
        this.#logger.info('offset out of range, resetting', {
          topic: state.topic,
          partition: state.partition,
          offset: String(offset),
          reset: this.#options.autoOffsetReset,
        });
        seekState(state, undefined);
      }
    }
    this.#errors.push(...outcome.fatal);
  }

  // Retriable: refresh the topic's metadata and back off this partition; otherwise report it.
  /** The topic's max.message.bytes, which also caps how far a compressed batch may expand. */
  #maxBatchBytes(topic: string): number {
    const configured = Number(this.#cluster.cachedTopic(topic)?.configs['max.message.bytes']);
    return Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_DECOMPRESSED_BYTES;
  }

  #onFailure(states: readonly PartitionState[], error: FjordError): void {
    if (!error.retriable) {
      this.#errors.push(error);
      return;
    }
    const now = this.#clock.now();
    for (const state of states) {
      this.#cluster.invalidate(state.topic);
      state.retryAt = now + backoffMs(state.failures, this.#retry);
      state.failures++;
    }
    this.#logger.debug('fetch failed, will retry', { partitions: states.map(tpKey), error: error.message });
  }

  // How long until a partition in backoff may be tried again (Infinity when none waits).
  #nextRetryIn(): number {
    const now = this.#clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.#states.values()) if (s.retryAt > now) next = Math.min(next, s.retryAt - now);
    return next;
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  async #seekTo(partitions: readonly TopicPartition[], timestamp: number): Promise<void> {
    this.#assertOpen();
    const states = partitions.map((tp) => this.#state(tp));
    const generations = new Map(states.map((s) => [s, s.generation]));
    await retry(
      async () => {
        for (const [topic, group] of groupBy(states, (s) => s.topic)) {
          const metadata = await this.#topic(topic);
          try {
            const found = await lookupOffsets(
              this.#cluster,
              metadata,
              group.map((s) => s.partition),
              timestamp,
            );
            for (const state of group) {
              const offset = found.get(state.partition)?.offset;
              if (offset !== undefined && state.generation === generations.get(state))
                seekState(state, offset);
            }
          } catch (error) {
            if (FjordError.from(error).retriable) this.#cluster.invalidate(topic);
            throw error;
          }
        }
      },
      {
        policy: this.#retry,
        deadline: this.#clock.now() + this.#cluster.requestTimeoutMs,
        clock: this.#clock,
      },
    );
    this.#notify();
  }
}

function deserialize<T>(
  deserializer: Deserializer<T> | undefined,
  data: Buffer | null,
  context: { topic: string; partition: number },
  record: Record,
  what: string,
): T | null {
  if (data === null) return null;
  if (!deserializer) return data as T;
  try {
    return deserializer(data, context);
  } catch (error) {
    throw new DeserializationError(
      `${what} deserializer failed at ${context.topic}:${context.partition} offset ${record.offset}: ` +
        `${(error as Error)?.message ?? error}`,
      { ...context, offset: record.offset },
      { cause: error },
    );
  }
}

function assertTopicPartition(tp: TopicPartition): void {
  if (typeof tp !== 'object' || tp === null || typeof tp.topic !== 'string') {
    throw new InvalidArgumentError('expected { topic: string, partition: number }');
  }
  if (!Number.isInteger(tp.partition) || tp.partition < 0) {
    throw new InvalidArgumentError(`partition must be an integer >= 0 (got ${tp.partition})`);
  }
}
