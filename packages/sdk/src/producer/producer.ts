import {
  Compression,
  compressionCode,
  type Header,
  loadCompressionCodecs,
  type RecordInput,
  topicNameProblem,
} from '@fjord/protocol';
import type { Cluster, TopicMetadata } from '../cluster/metadata.js';
import { ClosedError, DeliveryTimeoutError, FjordError, InvalidArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Partitioner, ResolvedProducerOptions } from '../options.js';
import { type Clock, type RetryPolicy, retry, systemClock } from '../retry.js';
import { type Serializer, toBytes } from '../serde.js';
import { type PendingRecord, RecordAccumulator } from './accumulator.js';
import { Idempotence, type ProducerIdSource } from './idempotence.js';
import { MemoryLimit } from './memory-limit.js';
import { choosePartition, createDefaultPartitioner } from './partitioner.js';
import { type ProducerBatch, type RecordMetadata, SendCall } from './producer-batch.js';
import { Sender } from './sender.js';
/** One message to send. */
export interface Message<K = Buffer | string | null, V = Buffer | string | null> {
  /** Decides the partition (murmur2 of the serialized key) unless `partition` is given. */
  key?: K | null;
  /** The payload; null writes a record without a value (a tombstone). */
  value: V | null;
  /** Header values are strings (written as UTF-8), Buffers, or null. */
  headers?: Record<string, string | Buffer | null>;
  /** Sends to this partition, bypassing the partitioner; must exist. */
  partition?: number;
  /** Record timestamp in ms since the epoch (default: now). */
  timestamp?: number;
}

/** What {@link Producer.send} takes: messages for one topic. */
export interface SendRequest<K = Buffer | string | null, V = Buffer | string | null> {
  topic: string;
  messages: Array<Message<K, V>>;
}

export type { RecordMetadata } from './producer-batch.js';

/** What a {@link Producer} needs. */
export interface ProducerDeps {
  cluster: Cluster;
  options: ResolvedProducerOptions;
  retry: RetryPolicy;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  /** Where an idempotent producer gets its id; required when idempotence is on. */
  producerIds?: ProducerIdSource;
}

/**
 * Writes messages to topics. Get one from `fjord.producer()`.
 *
 * Each message is appended to its partition's open batch (Kafka's accumulator); batches are
 * sent when full (`batchBytes`), after `lingerMs`, or on `flush()`, several per request to
 * each broker. `send()` resolves once every message of the call is acknowledged, so calling
 * it once per record without awaiting each call is fast. Memory for waiting records is
 * bounded by `bufferMemoryBytes`. With idempotence (the default with acks 'all') retries never
 * duplicate or reorder a partition's records; without it delivery is at least once.
 */
export class Producer<K = Buffer | string | null, V = Buffer | string | null> {
  readonly #cluster: Cluster;
  readonly #options: ResolvedProducerOptions;
  readonly #clock: Clock;
  readonly #partitioner: Partitioner;
  readonly #memory: MemoryLimit;
  readonly #accumulator: RecordAccumulator;
  readonly #sender: Sender;
  readonly #compression: number;
  readonly #retry: RetryPolicy;
  readonly #pending = new Set<Promise<unknown>>();
  // Sends still looking up metadata or waiting for memory, before their records are queued.
  readonly #appending = new Set<Promise<unknown>>();
  #codecsLoaded: Promise<void> | undefined;
  #codecsReady = false;
  #closed = false;

  /** @internal Applications get a producer from `fjord.producer()`. */
  constructor(deps: ProducerDeps) {
    const options = deps.options;
    this.#cluster = deps.cluster;
    this.#options = options;
    this.#clock = deps.clock ?? systemClock;
    this.#retry = deps.retry;
    this.#partitioner = options.partitioner ?? createDefaultPartitioner(options.batchBytes);
    this.#compression = compressionCode(options.compression);
    const acksAll = options.acks === 'all' || options.acks === -1;
    if (options.idempotent === true && !acksAll) {
      throw new InvalidArgumentError(`an idempotent producer needs acks 'all' (got acks ${options.acks})`);
    }
    const idempotent = options.idempotent ?? (acksAll && deps.producerIds !== undefined);
    if (idempotent && !deps.producerIds)
      throw new InvalidArgumentError('an idempotent producer needs a producer id source');
    this.#memory = new MemoryLimit(options.bufferMemoryBytes, options.maxBlockMs);
    this.#accumulator = new RecordAccumulator(options.batchBytes, this.#memory, () => this.#clock.now());
    this.#sender = new Sender({
      cluster: deps.cluster,
      accumulator: this.#accumulator,
      memory: this.#memory,
      settings: {
        acks: acksAll ? -1 : (options.acks as number),
        lingerMs: options.lingerMs,
        maxRequestBytes: options.maxRequestBytes,
        maxInFlightRequestsPerBroker: options.maxInFlightRequestsPerBroker,
        deliveryTimeoutMs: options.deliveryTimeoutMs,
        compression: this.#compression,
      },
      retry: deps.retry,
      logger: deps.logger,
      clock: this.#clock,
      random: deps.random ?? Math.random,
      idempotence: idempotent && deps.producerIds ? new Idempotence(deps.producerIds) : undefined,
    });
  }

  /** Bytes of the buffer in use by batches waiting or in flight. */
  get bufferedBytes(): number {
    return this.#memory.usedBytes;
  }

  /**
   * Sends messages to one topic and resolves with their metadata, in input order, once all
   * of them are acknowledged. Input is validated first (nothing is queued when a message is
   * bad). Retriable failures are retried with backoff within `deliveryTimeoutMs`; a record
   * that cannot be delivered rejects the call with the cause. When the buffer is full the
   * call waits up to `maxBlockMs`, then rejects with BufferExhaustedError. An unknown topic
   * fails at once with UnknownTopicOrPartitionError (topics are never auto-created).
   */
  send(request: SendRequest<K, V>): Promise<RecordMetadata[]> {
    if (this.#closed) return Promise.reject(new ClosedError('the producer is closed'));
    let queued: SendCall | Promise<SendCall>;
    try {
      queued = this.#send(request);
    } catch (error) {
      return Promise.reject(error);
    }
    if (queued instanceof SendCall) return queued.promise;
    // Slow path (metadata lookup, codec loading, or waiting for memory): flush() waits for it.
    this.#appending.add(queued);
    const appended = (): void => {
      this.#appending.delete(queued as Promise<SendCall>);
    };
    queued.then(appended, appended);
    const sending = queued.then((call) => call.promise);
    this.#pending.add(sending);
    const forget = (): void => {
      this.#pending.delete(sending);
    };
    sending.then(forget, forget);
    return sending;
  }

  /** Sends every waiting batch now (no lingering) and resolves when they are all answered. */
  async flush(): Promise<void> {
    // Sends still waiting for metadata or memory join batches first.
    await Promise.allSettled([...this.#appending]);
    await this.#sender.flush();
  }

  /**
   * Resolves when the buffer is less than half full and no send waits for memory: a way for
   * an application that does not await each send to apply backpressure.
   */
  waitForCapacity(): Promise<void> {
    return this.#memory.waitForCapacity();
  }

  /** Stops accepting sends, sends what is buffered and waits for every send to finish. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sender.close();
    await Promise.allSettled([...this.#pending]);
    await this.#sender.flush();
    this.#sender.release();
  }

  // Queues every record of the call. Synchronous (no promise per record, no await) when the
  // topic's routing is cached and the buffer has room, which is the common case; otherwise
  // it continues asynchronously. The call's promise resolves on acknowledgement.
  #send(request: SendRequest<K, V>): SendCall | Promise<SendCall> {
    const { topic, messages } = validateSendRequest(request);
    const records = messages.map((m, i) => this.#toRecord(topic, m, i));
    const metadata = this.#cluster.cachedTopic(topic);
    const codecReady = this.#compression !== Compression.Zstd || this.#codecsReady;
    if (!metadata || !codecReady) return this.#sendSlow(topic, messages, records);
    return this.#enqueue(metadata, messages, records, 0, new SendCall(messages.length));
  }

  async #sendSlow(topic: string, messages: Array<Message<K, V>>, records: RecordInput[]): Promise<SendCall> {
    if (this.#compression === Compression.Zstd) {
      this.#codecsLoaded ??= loadCompressionCodecs().then(() => {
        this.#codecsReady = true;
      });
      await this.#codecsLoaded;
    }
    const metadata = await this.#metadata(topic);
    return this.#enqueue(metadata, messages, records, 0, new SendCall(messages.length));
  }

  #enqueue(
    metadata: TopicMetadata,
    messages: Array<Message<K, V>>,
    records: RecordInput[],
    from: number,
    call: SendCall,
  ): SendCall | Promise<SendCall> {
    this.#sender.setMetadata(metadata);
    const topic = metadata.name;
    const numPartitions = metadata.partitions.length;
    // Every partition is chosen (and checked) before any record is queued.
    const partitions =
      from === 0
        ? messages.map((message, index) => {
            const record = records[index] as RecordInput;
            return choosePartition(message.partition, this.#partitioner, {
              topic,
              key: record.key,
              value: record.value,
              numPartitions,
            });
          })
        : (call.partitions as number[]);
    call.partitions = partitions;
    for (let index = from; index < records.length; index++) {
      const record = records[index] as RecordInput;
      const pending: PendingRecord = {
        topic,
        partition: partitions[index] as number,
        key: record.key,
        value: record.value,
        headers: record.headers,
        timestamp: record.timestamp,
        call,
        index,
      };
      const added = this.#accumulator.tryAppend(pending);
      if (added === false) {
        this.#sender.wakeup();
        return this.#enqueueAfterWait(metadata, messages, records, pending, call);
      }
      this.#afterAppend(added);
    }
    return call;
  }

  async #enqueueAfterWait(
    metadata: TopicMetadata,
    messages: Array<Message<K, V>>,
    records: RecordInput[],
    pending: PendingRecord,
    call: SendCall,
  ): Promise<SendCall> {
    try {
      this.#afterAppend(await this.#accumulator.append(pending));
    } catch (error) {
      call.fail(FjordError.from(error));
      return call;
    }
    return this.#enqueue(metadata, messages, records, pending.index + 1, call);
  }

  #afterAppend(added: ProducerBatch | true): void {
    if (added === true) return;
    // A new batch: the previous one of the partition is full (send it), and this one lingers.
    this.#sender.armLinger(added);
    if (this.#options.lingerMs === 0 || this.#accumulator.batchCount > 1) this.#sender.wakeup();
  }

  async #metadata(topic: string): Promise<TopicMetadata> {
    const deadline = this.#clock.now() + this.#options.deliveryTimeoutMs;
    return retry(() => this.#cluster.topic(topic), {
      policy: this.#retry,
      deadline,
      clock: this.#clock,
      exhausted: (last: FjordError, attempts: number) =>
        new DeliveryTimeoutError(
          `could not find topic "${topic}" within ${this.#options.deliveryTimeoutMs} ms (${attempts} attempts): ${last.message}`,
          { cause: last },
        ),
    });
  }

  #toRecord(topic: string, message: Message<K, V>, index: number): RecordInput {
    const at = `messages[${index}]`;
    const { keySerializer, valueSerializer } = this.#options;
    const key = serialize(
      keySerializer as Serializer<K> | undefined,
      message.key ?? null,
      topic,
      `${at}.key`,
    );
    const value = serialize(
      valueSerializer as Serializer<V> | undefined,
      message.value,
      topic,
      `${at}.value`,
    );
    const headers: Header[] | undefined =
      message.headers === undefined
        ? undefined
        : Object.entries(message.headers).map(([name, v]) => ({
            key: name,
            value: toBytes(v, `${at}.headers.${name}`),
          }));
    return { key, value, headers, timestamp: message.timestamp ?? this.#clock.now() };
  }
}

function serialize<T>(
  serializer: Serializer<T> | undefined,
  data: T | null,
  topic: string,
  what: string,
): Buffer | null {
  if (!serializer) return toBytes(data, what);
  try {
    const bytes = serializer(data as T, { topic });
    return toBytes(bytes, what);
  } catch (error) {
    if (error instanceof FjordError) throw error;
    throw new InvalidArgumentError(`${what}: serializer failed: ${(error as Error)?.message ?? error}`, {
      cause: error,
    });
  }
}

/** Shape checks of a send request; throws InvalidArgumentError naming every problem. */
export function validateSendRequest<K, V>(request: SendRequest<K, V>): SendRequest<K, V> {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidArgumentError('send() expects { topic, messages }');
  }
  const problems: string[] = [];
  const topicProblem = topicNameProblem(request.topic);
  if (topicProblem) problems.push(topicProblem);
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    problems.push('messages must be a non-empty array');
  } else {
    request.messages.forEach((m, i) => {
      const at = `messages[${i}]`;
      if (typeof m !== 'object' || m === null) {
        problems.push(`${at} must be an object`);
        return;
      }
      if (!('value' in m)) problems.push(`${at}.value is missing (use null for a record without a value)`);
      if (m.partition !== undefined && (!Number.isInteger(m.partition) || m.partition < 0)) {
        problems.push(`${at}.partition must be an integer >= 0`);
      }
      if (m.timestamp !== undefined && (!Number.isSafeInteger(m.timestamp) || m.timestamp < 0)) {
        problems.push(`${at}.timestamp must be milliseconds since the epoch (integer >= 0)`);
      }
      if (
        m.headers !== undefined &&
        (typeof m.headers !== 'object' || m.headers === null || Array.isArray(m.headers))
      ) {
        problems.push(`${at}.headers must be an object of string or Buffer values`);
      }
    });
  }
  if (problems.length > 0) throw new InvalidArgumentError(`invalid send request: ${problems.join('; ')}`);
  return request;
}
