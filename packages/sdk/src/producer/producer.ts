import {
  ErrorCode,
  encodeRecordBatch,
  type Header,
  type RecordInput,
  topicNameProblem,
  type v1,
} from '@fjord/protocol';
import type { Cluster, TopicMetadata } from '../cluster/metadata.js';
import {
  ClosedError,
  DeliveryTimeoutError,
  FjordError,
  InvalidArgumentError,
  protocolError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResolvedProducerOptions } from '../options.js';
import { type Clock, type RetryPolicy, retry, systemClock } from '../retry.js';
import { type Serializer, toBytes } from '../serde.js';
import { choosePartition, createDefaultPartitioner, type Partitioner } from './partitioner.js';

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

/** Where a message was written. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1n with acks=0 (the broker answers before it assigns offsets). */
  offset: bigint;
  /** The record's timestamp (the broker's when the topic uses LogAppendTime), ms. */
  timestamp: number;
}

/** What a {@link Producer} needs. */
export interface ProducerDeps {
  cluster: Cluster;
  options: ResolvedProducerOptions;
  retry: RetryPolicy;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
}

interface PartitionBatch {
  partition: number;
  /** Indexes into the send's messages, in batch order. */
  indexes: number[];
  records: Buffer;
  result?: { baseOffset: bigint; logAppendTimeMs: number };
}

/**
 * Writes messages to topics. Get one from `fjord.producer()`.
 *
 * Delivery is at least once: a retried batch may already have been written by the attempt
 * that seemed to fail (there is no idempotent producer yet). Ordering holds per partition
 * within one send() call: each partition's messages go in one batch, in input order.
 */
export class Producer<K = Buffer | string | null, V = Buffer | string | null> {
  readonly #cluster: Cluster;
  readonly #options: ResolvedProducerOptions;
  readonly #retry: RetryPolicy;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #partitioner: Partitioner;
  readonly #inflight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(deps: ProducerDeps) {
    this.#cluster = deps.cluster;
    this.#options = deps.options;
    this.#retry = deps.retry;
    this.#logger = deps.logger;
    this.#clock = deps.clock ?? systemClock;
    this.#random = deps.random ?? Math.random;
    this.#partitioner = deps.options.partitioner ?? createDefaultPartitioner();
  }

  /**
   * Sends messages to one topic and resolves with their metadata, in input order.
   *
   * Input is validated first (nothing is sent when any message is bad). Messages are grouped
   * into one record batch per partition and one Produce request per leader broker. Retriable
   * failures (leader moved, broker unreachable, ...) refresh metadata and retry only the
   * partitions that failed, with backoff, within `deliveryTimeoutMs`; then DeliveryTimeoutError.
   * An unknown topic fails at once with UnknownTopicOrPartitionError (topics are never auto-created).
   */
  send(request: SendRequest<K, V>): Promise<RecordMetadata[]> {
    if (this.#closed) return Promise.reject(new ClosedError('the producer is closed'));
    const sending = this.#send(request);
    this.#inflight.add(sending);
    const forget = (): void => {
      this.#inflight.delete(sending);
    };
    sending.then(forget, forget);
    return sending;
  }

  /** Stops accepting sends and waits for the ones in flight to finish. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
  }

  async #send(request: SendRequest<K, V>): Promise<RecordMetadata[]> {
    const { topic, messages } = validateSendRequest(request);
    const records = messages.map((m, i) => this.#toRecord(topic, m, i));
    const deadline = this.#clock.now() + this.#options.deliveryTimeoutMs;
    const retryOptions = {
      policy: this.#retry,
      deadline,
      clock: this.#clock,
      random: this.#random,
      exhausted: (last: FjordError, attempts: number) =>
        new DeliveryTimeoutError(
          `could not deliver to topic "${topic}" within ${this.#options.deliveryTimeoutMs} ms ` +
            `(${attempts} attempts): ${last.message}`,
          { cause: last },
        ),
    };

    const metadata = await retry(() => this.#cluster.topic(topic), retryOptions);
    const batches = this.#buildBatches(metadata, messages, records);

    await retry(async (attempt) => {
      const pending = batches.filter((b) => !b.result);
      if (attempt > 0)
        this.#logger.debug('retrying produce', { topic, partitions: pending.map((b) => b.partition) });
      await this.#produceOnce(topic, pending, deadline);
    }, retryOptions);

    const results = new Array<RecordMetadata>(messages.length);
    for (const batch of batches) {
      const { baseOffset, logAppendTimeMs } = batch.result as NonNullable<PartitionBatch['result']>;
      batch.indexes.forEach((index, position) => {
        results[index] = {
          topic,
          partition: batch.partition,
          offset: baseOffset < 0n ? -1n : baseOffset + BigInt(position),
          timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : (records[index] as RecordInput).timestamp,
        };
      });
    }
    return results;
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
    const headers: Header[] = Object.entries(message.headers ?? {}).map(([name, v]) => ({
      key: name,
      value: toBytes(v, `${at}.headers.${name}`),
    }));
    return { key, value, headers, timestamp: message.timestamp ?? this.#clock.now() };
  }

  // All partition choices are made (and checked) before any batch is encoded or sent.
  #buildBatches(
    metadata: TopicMetadata,
    messages: Array<Message<K, V>>,
    records: RecordInput[],
  ): PartitionBatch[] {
    const numPartitions = metadata.partitions.length;
    const byPartition = new Map<number, number[]>();
    messages.forEach((message, index) => {
      const record = records[index] as RecordInput;
      const partition = choosePartition(message.partition, this.#partitioner, {
        topic: metadata.name,
        key: record.key,
        value: record.value,
        numPartitions,
      });
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), index]);
    });
    return [...byPartition].map(([partition, indexes]) => ({
      partition,
      indexes,
      records: encodeRecordBatch({ records: indexes.map((i) => records[i] as RecordInput) }),
    }));
  }

  // One attempt over the pending batches: one request per leader, in parallel. Successful
  // partitions get their result; a non-retriable error wins over retriable ones.
  async #produceOnce(topic: string, pending: PartitionBatch[], deadline: number): Promise<void> {
    const metadata = await this.#cluster.topic(topic);
    const errors: FjordError[] = [];
    const byLeader = new Map<string, PartitionBatch[]>();
    for (const batch of pending) {
      try {
        const { address } = this.#cluster.leaderAddress(metadata, batch.partition);
        byLeader.set(address, [...(byLeader.get(address) ?? []), batch]);
      } catch (error) {
        errors.push(FjordError.from(error));
      }
    }
    const timeoutMs = Math.max(1, Math.min(this.#cluster.requestTimeoutMs, deadline - this.#clock.now()));
    await Promise.all(
      [...byLeader].map(async ([address, group]) => {
        try {
          await this.#produceTo(address, topic, group, timeoutMs);
        } catch (error) {
          errors.push(FjordError.from(error, address));
        }
      }),
    );
    if (errors.length === 0) return;
    if (errors.some((e) => e.retriable)) this.#cluster.invalidate(topic);
    throw errors.find((e) => !e.retriable) ?? errors[0];
  }

  async #produceTo(
    address: string,
    topic: string,
    group: PartitionBatch[],
    timeoutMs: number,
  ): Promise<void> {
    const client = this.#cluster.pool.broker(address);
    const response = await this.#cluster.pool.unary<v1.ProduceResponse__Output>(
      address,
      timeoutMs,
      (metadata, options, callback) =>
        client.produce(
          {
            acks: this.#options.acks === 'all' ? -1 : this.#options.acks,
            timeoutMs,
            topics: [
              { topic, partitions: group.map((b) => ({ partition: b.partition, records: b.records })) },
            ],
          },
          metadata,
          options,
          callback,
        ),
    );
    const results = new Map(
      response.topics
        .filter((t) => t.topic === topic)
        .flatMap((t) => t.partitions.map((p) => [p.partition, p])),
    );
    let firstError: FjordError | undefined;
    for (const batch of group) {
      const result = results.get(batch.partition);
      if (!result) {
        firstError ??= protocolError(
          ErrorCode.UNKNOWN_SERVER_ERROR,
          'the broker did not answer for this partition',
          {
            topic,
            partition: batch.partition,
          },
        );
      } else if (result.errorCode !== ErrorCode.NONE) {
        const error = protocolError(result.errorCode, result.errorMessage, {
          topic,
          partition: batch.partition,
        });
        // Keep a non-retriable error in front so it decides the outcome.
        if (!firstError || (firstError.retriable && !error.retriable)) firstError = error;
      } else {
        batch.result = {
          baseOffset: BigInt(result.baseOffset),
          logAppendTimeMs: Number(result.logAppendTimeMs),
        };
      }
    }
    if (firstError) throw firstError;
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
