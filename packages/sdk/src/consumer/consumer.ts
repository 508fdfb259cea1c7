import { EARLIEST_TIMESTAMP, ErrorCode, LATEST_TIMESTAMP } from '@fjord/protocol';
import { lookupOffsets } from '../cluster/list-offsets.js';
import type { Cluster, TopicMetadata } from '../cluster/metadata.js';
import { ClosedError, type FjordError, InvalidArgumentError, protocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedConsumerOptions } from '../options.js';
import { type Clock, type RetryPolicy, systemClock } from '../retry.js';
import type { Deserializer } from '../serde.js';
import { type TopicPartition, tpKey } from '../topic-partition.js';
import { Assignment } from './assignment.js';
import type { ConsumerRecord } from './consumer-record.js';
import { FetchScheduler } from './fetch-scheduler.js';
import { type CommitOptions, GroupSession, type PartitionHost } from './group/group-session.js';
import type { RebalanceListener } from './group/rebalance-listener.js';
import { PartitionBackoff } from './partition-backoff.js';
import { PositionManager } from './position-manager.js';
import { RecordHandout } from './record-handout.js';
import { type RunOptions, runConsumer } from './runner.js';
import { Wakeup } from './wakeup.js';

export type { ConsumerRecord } from './consumer-record.js';

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
 *
 * (Inside, this class only checks arguments and runs the poll loop; the held partitions are
 * an {@link Assignment}, positions a {@link PositionManager}, Fetches a {@link FetchScheduler},
 * handing records out a {@link RecordHandout}, retry timing a {@link PartitionBackoff}.)
 */
export class Consumer<K = Buffer, V = Buffer> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly #cluster: Cluster;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #assignment = new Assignment();
  readonly #wakeup = new Wakeup();
  readonly #backoff: PartitionBackoff;
  readonly #positions: PositionManager;
  readonly #fetches: FetchScheduler;
  readonly #handout: RecordHandout<K, V>;
  readonly #group: GroupSession | undefined;
  #errors: FjordError[] = [];
  #closed = false;
  // Set by close() before it commits and leaves: run() and for-await stop taking records.
  #closing = false;
  #runLoop: Promise<void> | undefined;

  /** @internal Applications get a consumer from `fjord.consumer()`. */
  constructor(deps: ConsumerDeps) {
    const { cluster, options, logger } = deps;
    this.#cluster = cluster;
    this.#logger = logger;
    this.#clock = deps.clock ?? systemClock;
    const report = (error: FjordError): void => {
      this.#errors.push(error);
    };
    const backoff = new PartitionBackoff({
      invalidate: (topic) => cluster.invalidate(topic),
      retry: deps.retry,
      clock: this.#clock,
      logger,
      report,
    });
    this.#backoff = backoff;
    const { groupId } = options;
    if (groupId !== undefined) {
      this.#group = new GroupSession({
        cluster,
        options: { ...options, groupId },
        logger,
        clock: this.#clock,
        host: this.#host(),
      });
    }
    const group = this.#group;
    this.#positions = new PositionManager({
      offsets: {
        lookUp: async (topic, partitions, timestamp) =>
          lookupOffsets(cluster, await cluster.topic(topic), partitions, timestamp),
        invalidate: (topic) => cluster.invalidate(topic),
        get requestTimeoutMs() {
          return cluster.requestTimeoutMs;
        },
      },
      assignment: this.#assignment,
      autoOffsetReset: options.autoOffsetReset,
      retry: deps.retry,
      clock: this.#clock,
      logger,
      backoff,
      ...(group ? { committed: (partitions) => group.committedForMember(partitions) } : {}),
      report,
    });
    this.#fetches = new FetchScheduler({
      cluster,
      options,
      clock: this.#clock,
      backoff,
      positions: this.#positions,
      report,
      settled: () => this.#wakeup.notify(),
    });
    this.#handout = new RecordHandout<K, V>(
      {
        maxPollRecords: options.maxPollRecords,
        keyDeserializer: options.keyDeserializer as Deserializer<K> | undefined,
        valueDeserializer: options.valueDeserializer as Deserializer<V> | undefined,
      },
      backoff,
    );
  }

  /**
   * Joins the consumer group (`groupId`) subscribed to these topics, or to every topic whose
   * whole name matches `pattern` (RE2 syntax, as in Kafka: a source of `orders-.*` matches
   * `orders-eu`, `orders-` does not; topics created later are picked up). Calling it again changes the
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
    const state = this.#assignment.get(tp);
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
    for (const tp of partitions) {
      assertTopicPartition(tp);
      const metadata: TopicMetadata = await this.#cluster.topic(tp.topic);
      if (tp.partition >= metadata.partitions.length) {
        throw protocolError(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `topic has ${metadata.partitions.length} partitions`,
          tp,
        );
      }
    }
    this.#assignment.replace(partitions);
    this.#wakeup.notify();
  }

  /** The partitions assigned right now. */
  assignment(): TopicPartition[] {
    return this.#assignment.partitions();
  }

  /** Moves an assigned partition so the next record handed out is the one at `offset`. */
  seek(tp: TopicPartition, offset: bigint): void {
    this.#assertOpen();
    this.#positions.seek(tp, offset);
    this.#wakeup.notify();
  }

  /** Moves partitions to their log start offset (asks the leaders now). */
  async seekToBeginning(partitions: readonly TopicPartition[]): Promise<void> {
    this.#assertOpen();
    await this.#positions.seekTo(partitions, EARLIEST_TIMESTAMP);
    this.#wakeup.notify();
  }

  /** Moves partitions to their end, so only records written from now on are read (asks the leaders now). */
  async seekToEnd(partitions: readonly TopicPartition[]): Promise<void> {
    this.#assertOpen();
    await this.#positions.seekTo(partitions, LATEST_TIMESTAMP);
    this.#wakeup.notify();
  }

  /** Offset of the next record poll() hands out for an assigned partition; undefined until known. */
  position(tp: TopicPartition): bigint | undefined {
    return this.#assignment.get(tp).position;
  }

  /** Stops fetching these assigned partitions until resume(); buffered records are kept. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#assignment.get(tp).paused = true;
  }

  /** Fetches paused partitions again. */
  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const state = this.#assignment.get(tp);
      // Fetched at once, not after the long-poll in flight for the others.
      if (state.paused) state.fetchedGeneration = -1;
      state.paused = false;
    }
    this.#wakeup.notify();
  }

  /** The paused partitions. */
  paused(): TopicPartition[] {
    return this.#assignment
      .states()
      .filter((s) => s.paused)
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Waits up to `timeoutMs` for records and returns at most `maxPollRecords` of them (an empty
   * array when none arrived in time), advancing positions past them. Rejects with
   * OffsetOutOfRangeError (autoOffsetReset 'none'), NoOffsetForPartitionError,
   * DeserializationError (a deserializer threw), RecordDecodeError (a fetched batch cannot be
   * decoded: the records before it come first, the position stays at it; `seek()` past it), or
   * the error of a partition that cannot be read (e.g. its topic was deleted); retriable problems
   * are retried by later polls. A partition's error comes back at most once per backoff
   * (`retry` options) while polling goes on without a seek, so a loop around poll() that logs
   * and continues never spins.
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
      const records = this.#handout.drain(this.#assignment.states());
      if (records.length > 0 || this.#closed || this.#closing) return records;
      await this.#positions.resetMissing();
      this.#throwPendingError();
      await this.#fetches.start(this.#assignment.states(), deadline);
      this.#throwPendingError();
      const remaining = deadline - this.#clock.now();
      if (remaining <= 0) return [];
      await this.#wakeup.wait(Math.min(remaining, this.#backoff.nextRetryIn(this.#assignment.states())));
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
    this.#wakeup.notify();
    // Let a run() loop finish the record it is handling, so what it processed gets committed.
    await this.#runLoop;
    try {
      await this.#group?.close();
    } catch (error) {
      this.#logger.warn('leaving the group failed', { error: (error as Error)?.message });
    }
    this.#closed = true;
    const fetchesEnded = this.#fetches.close();
    this.#wakeup.notify();
    await fetchesEnded;
  }

  #assertOpen(): void {
    if (this.#closed || this.#closing) throw new ClosedError('the consumer is closed');
  }

  #throwPendingError(): void {
    const error = this.#errors.shift();
    if (error) throw error;
  }

  // The consumer's side of a group session: which partitions it holds.
  #host(): PartitionHost {
    return {
      owned: () => this.#assignment.partitions(),
      add: (partitions) => {
        for (const tp of partitions) if (this.#assignment.add(tp)) this.#positions.awaitCommitted(tp);
        this.#wakeup.notify();
      },
      remove: (partitions) => {
        for (const tp of partitions) {
          this.#assignment.remove(tp);
          this.#positions.forget(tp);
        }
      },
      notify: () => this.#wakeup.notify(),
      fail: (error) => {
        this.#errors.push(error);
        this.#wakeup.notify();
      },
    };
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
