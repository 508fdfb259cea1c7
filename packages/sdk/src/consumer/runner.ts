import { InvalidArgumentError } from '../errors.js';
import { groupBy } from '../group-by.js';
import type { TopicPartition } from '../topic-partition.js';

/** A record as the runner hands it out (the consumer's ConsumerRecord). */
export interface RunnerRecord<K, V> extends TopicPartition {
  offset: bigint;
  key: K | null;
  value: V | null;
  headers: { [name: string]: Buffer | null };
  timestamp: number;
}

/** What `eachMessage` receives. */
export interface EachMessagePayload<K, V> {
  topic: string;
  partition: number;
  message: RunnerRecord<K, V>;
}

/** What `eachBatch` receives: the records of one partition from one poll. */
export interface EachBatchPayload<K, V> {
  batch: { topic: string; partition: number; messages: Array<RunnerRecord<K, V>> };
  /** Marks records up to and including `offset` processed (committed by the next commit). */
  resolveOffset(offset: bigint): void;
  /** True while the runner has not been stopped. */
  isRunning(): boolean;
}

/** Options of `consumer.run()`. */
export interface RunOptions<K, V> {
  /** Called for every record, in order within a partition; its offset counts as processed when it returns. */
  eachMessage?: (payload: EachMessagePayload<K, V>) => Promise<void> | void;
  /** Called per partition with the records of one poll. */
  eachBatch?: (payload: EachBatchPayload<K, V>) => Promise<void> | void;
  /** Resolve every record of a batch when eachBatch returns (default true). */
  eachBatchAutoResolve?: boolean;
  /** How many partitions are processed at the same time (default 1). */
  partitionsConsumedConcurrently?: number;
}

/** The consumer operations the runner uses. */
export interface RunnableConsumer<K, V> {
  readonly closed: boolean;
  pollBatch(timeoutMs: number): Promise<Array<RunnerRecord<K, V>>>;
  markProcessed(record: TopicPartition & { offset: bigint }): void;
}

/**
 * The `run()` loop: poll, hand records to the handlers partition by partition (up to
 * `partitionsConsumedConcurrently` at once), mark each handled record processed, repeat until
 * the consumer closes. Rebalances happen between polls, so a partition is never revoked
 * while its handler runs. A handler error stops the loop and rejects run(); the failed record
 * and everything after it are not marked processed, so they are delivered again.
 */
export async function runConsumer<K, V>(
  consumer: RunnableConsumer<K, V>,
  options: RunOptions<K, V>,
): Promise<void> {
  const { eachMessage, eachBatch } = options;
  if ((eachMessage ? 1 : 0) + (eachBatch ? 1 : 0) !== 1) {
    throw new InvalidArgumentError('run() needs exactly one of eachMessage and eachBatch');
  }
  const concurrency = options.partitionsConsumedConcurrently ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError('partitionsConsumedConcurrently must be an integer >= 1');
  }
  const autoResolve = options.eachBatchAutoResolve ?? true;
  while (!consumer.closed) {
    const records = await consumer.pollBatch(1000);
    const byPartition = groupBy(records, (r) => `${r.topic}:${r.partition}`);
    const queue = [...byPartition.values()];
    const worker = async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        if (consumer.closed) return;
        const first = batch[0]!;
        if (eachMessage) {
          for (const message of batch) {
            if (consumer.closed) return;
            await eachMessage({ topic: message.topic, partition: message.partition, message });
            consumer.markProcessed(message);
          }
        } else {
          const resolveOffset = (offset: bigint) => consumer.markProcessed({ ...first, offset });
          await eachBatch!({
            batch: { topic: first.topic, partition: first.partition, messages: batch },
            resolveOffset,
            isRunning: () => !consumer.closed,
          });
          if (autoResolve) consumer.markProcessed(batch[batch.length - 1]!);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  }
}
