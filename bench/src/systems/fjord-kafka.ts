import type { Cluster } from '@fjord/testkit';
import {
  Admin,
  Consumer,
  type GroupPartitionsAssigner,
  type Message,
  type MessagesStream,
  ProduceAcks,
  Producer,
} from '@platformatic/kafka';
import { type StorageCounters, scrapeStorageCounters } from '../stats/storage-counters.js';
import { type FjordDriverOptions, startFjordCluster } from './fjord-cluster.js';
import {
  type Acks,
  type ConsumerClient,
  type LogSpec,
  type ProducerClient,
  type ServerProcess,
  type SystemDriver,
  UnsupportedError,
} from './types.js';

// The SDK path's fetch limits (fjord.ts), so both paths move the same bytes per round trip.
const MAX_BUFFERED_RECORDS = 20_000;
const MAX_PARTITION_FETCH_BYTES = 4 * 1024 * 1024;
// A whole fetch: every partition of W2's 4-partition share at its limit.
const MAX_FETCH_BYTES = 16 * 1024 * 1024;
// Kafka's fetch.max.wait.ms default; with minBytes 1 a fetch returns as soon as data is there.
const FETCH_MAX_WAIT_MS = 500;

type BufferMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/**
 * Fjord through the Kafka protocol: the same local cluster as the SDK system, every broker
 * with a Kafka listener, driven by @platformatic/kafka (it produced about twice KafkaJS's
 * records/s in a side-by-side check, 2026-12-01). Each producer and consumer is its own
 * client, as separate applications would be. Comparing this system with `fjord` shows what
 * the Kafka path costs.
 */
export class FjordKafkaDriver implements SystemDriver {
  readonly name = 'fjord-kafka' as const;
  readonly durability =
    "broker flush policy 'os' (default), as the fjord system: each produce is written to LevelDB " +
    'without fsync (survives a process crash, not a machine crash)';
  readonly clientNote =
    '@platformatic/kafka against the brokers’ Kafka listeners: one producer.send() of a whole batch ' +
    'to one partition (one Produce request), not idempotent (Kafka ties idempotence to acks=all); ' +
    `consumers of a one-member group that assigns itself the partitions (W2: a classic consumer ` +
    `group), ${MAX_BUFFERED_RECORDS} records buffered, ${MAX_PARTITION_FETCH_BYTES} bytes per partition fetch`;
  readonly #cluster: Cluster;
  readonly #admin: Admin;
  readonly #unregister: () => void;

  private constructor(cluster: Cluster, unregister: () => void) {
    this.#cluster = cluster;
    this.#unregister = unregister;
    this.#admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: cluster.kafkaBootstrap });
  }

  static async start(options: FjordDriverOptions): Promise<FjordKafkaDriver> {
    const { cluster, unregister } = await startFjordCluster(options, { kafka: true });
    return new FjordKafkaDriver(cluster, unregister);
  }

  processes(): ServerProcess[] {
    return [
      { name: 'fjord-coordinator', pid: this.#cluster.coordinator.pid },
      ...this.#cluster.brokers.map((b) => ({ name: `fjord-${b.name}`, pid: b.pid })),
    ];
  }

  storageCounters(): Promise<StorageCounters> {
    return scrapeStorageCounters(this.#cluster.brokers.map((b) => b.metricsUrl));
  }

  async createLog(spec: LogSpec): Promise<void> {
    try {
      await this.#admin.createTopics({
        topics: [spec.name],
        partitions: spec.partitions,
        replicas: spec.replicationFactor,
      });
    } catch (error) {
      // Decided by the cluster's answer, as in the SDK system.
      if (hasApiError(error, 'INVALID_REPLICATION_FACTOR')) {
        throw new UnsupportedError(`replication not available (${(error as Error).message})`);
      }
      throw error;
    }
  }

  async deleteLog(name: string): Promise<void> {
    await this.#admin.deleteTopics({ topics: [name] });
  }

  async producer(log: string, acks: Acks): Promise<ProducerClient> {
    const producer = new Producer({
      clientId: 'bench-producer',
      bootstrapBrokers: this.#cluster.kafkaBootstrap,
      acks: acks === 'all' ? ProduceAcks.ALL : acks === 1 ? ProduceAcks.LEADER : ProduceAcks.NO_RESPONSE,
      idempotent: false,
    });
    return {
      send: async (partition, values) => {
        await producer.send({ messages: values.map((value) => ({ topic: log, partition, value })) });
      },
      close: () => producer.close(),
    };
  }

  async consumer(log: string, partitions: number[]): Promise<ConsumerClient> {
    // Kafka clients have no group-less fetch loop here: a group of one whose assigner hands
    // its only member exactly these partitions, never committing, reads like assign mode.
    const only: GroupPartitionsAssigner = (current) => [
      { memberId: current, assignments: new Map([[log, { topic: log, partitions }]]) },
    ];
    const group = `bench-assign-${log}-${Math.random().toString(36).slice(2, 10)}`;
    return this.#consume(log, group, only);
  }

  async groupConsumer(log: string, group: string): Promise<ConsumerClient> {
    return this.#consume(log, group, undefined);
  }

  async stop(): Promise<void> {
    this.#unregister();
    await this.#admin.close().catch(() => undefined);
    await this.#cluster.stop();
  }

  async #consume(
    log: string,
    groupId: string,
    partitionAssigner: GroupPartitionsAssigner | undefined,
  ): Promise<ConsumerClient> {
    const consumer = new Consumer({
      clientId: 'bench-consumer',
      groupId,
      bootstrapBrokers: this.#cluster.kafkaBootstrap,
    });
    let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
    try {
      stream = await consumer.consume({
        topics: [log],
        mode: 'earliest',
        autocommit: partitionAssigner === undefined ? 1_000 : false,
        minBytes: 1,
        maxBytes: MAX_FETCH_BYTES,
        maxBytesPerPartition: MAX_PARTITION_FETCH_BYTES,
        maxWaitTime: FETCH_MAX_WAIT_MS,
        highWaterMark: MAX_BUFFERED_RECORDS,
        ...(partitionAssigner ? { partitionAssigner } : {}),
      });
    } catch (error) {
      await closeQuietly(consumer);
      throw error;
    }
    return bufferedValues(consumer, stream);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * A consumer's messages, buffered as they arrive and handed out by poll(). Past the buffer
 * bound the stream is paused (the client stops fetching), as a poll loop's max records would.
 */
function bufferedValues(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>,
): ConsumerClient {
  let queue: Buffer[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  stream.on('data', (message: BufferMessage) => {
    queue.push(message.value ?? EMPTY);
    if (queue.length >= MAX_BUFFERED_RECORDS) stream.pause();
    wake?.();
  });
  stream.on('error', (error: Error) => {
    failure = error;
    wake?.();
  });
  return {
    poll: async (timeoutMs) => {
      if (failure) throw failure;
      if (queue.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, timeoutMs);
          function done(): void {
            clearTimeout(timer);
            wake = undefined;
            resolve();
          }
          wake = done;
        });
      }
      const values = queue;
      queue = [];
      if (stream.isPaused()) stream.resume();
      return values;
    },
    close: async () => {
      await stream.close().catch(() => undefined);
      await closeQuietly(consumer);
    },
  };
}

/** Whether a @platformatic/kafka error (or one of the errors it aggregates) carries Kafka's `apiId`. */
function hasApiError(error: unknown, apiId: string): boolean {
  const findBy = (error as { findBy?: (property: string, value: unknown) => unknown } | null)?.findBy;
  return typeof findBy === 'function' && findBy.call(error, 'apiId', apiId) != null;
}

/** Closes a consumer (leaving its group) whatever state it is in: cleanup must not throw. */
async function closeQuietly(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
  try {
    await consumer.close(true);
  } catch {
    // Already closed, or its brokers are gone: nothing is left to release.
  }
}
