import { type Consumer, Fjord, FjordError } from '@fjord/sdk';
import type { Cluster } from '@fjord/testkit';
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

// One poll hands out up to this many records: big enough that per-poll overhead vanishes.
const MAX_POLL_RECORDS = 20_000;
// Per-partition fetch limit: a catch-up read moves several MiB per round trip.
const MAX_PARTITION_FETCH_BYTES = 4 * 1024 * 1024;

/**
 * Fjord: a real local cluster (coordinator and brokers as child processes, started through
 * @fjord/testkit) driven through @fjord/sdk. Every producer and consumer gets its own client,
 * as separate applications would.
 */
export class FjordDriver implements SystemDriver {
  readonly name = 'fjord' as const;
  readonly durability =
    "broker flush policy 'os' (default): each produce is written to LevelDB without fsync " +
    '(survives a process crash, not a machine crash)';
  readonly clientNote =
    `@fjord/sdk, one send() of a whole batch to one partition; assign-mode consumers (W2: a ` +
    `consumer group), maxPollRecords ${MAX_POLL_RECORDS}, maxPartitionFetchBytes ${MAX_PARTITION_FETCH_BYTES}`;
  readonly #cluster: Cluster;
  readonly #admin: Fjord;
  readonly #unregister: () => void;

  private constructor(cluster: Cluster, unregister: () => void) {
    this.#cluster = cluster;
    this.#unregister = unregister;
    this.#admin = this.#client('bench-admin');
  }

  static async start(options: FjordDriverOptions): Promise<FjordDriver> {
    const { cluster, unregister } = await startFjordCluster(options, { kafka: false });
    return new FjordDriver(cluster, unregister);
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
      await this.#admin
        .admin()
        .createTopics([
          { name: spec.name, partitions: spec.partitions, replicationFactor: spec.replicationFactor },
        ]);
    } catch (error) {
      // Decided by the cluster's answer, not hard-coded: works unchanged once replication lands.
      if (error instanceof FjordError && error.code === 'INVALID_REPLICATION_FACTOR') {
        throw new UnsupportedError(`replication not available yet (${error.message})`);
      }
      throw error;
    }
  }

  async deleteLog(name: string): Promise<void> {
    await this.#admin.admin().deleteTopics([name]);
  }

  async producer(log: string, acks: Acks): Promise<ProducerClient> {
    const fjord = this.#client('bench-producer');
    const producer = fjord.producer({ acks });
    return {
      send: async (partition, values) => {
        await producer.send({ topic: log, messages: values.map((value) => ({ value, partition })) });
      },
      close: () => fjord.close(),
    };
  }

  async consumer(log: string, partitions: number[]): Promise<ConsumerClient> {
    const fjord = this.#client('bench-consumer');
    const consumer = fjord.consumer(consumerOptions());
    await consumer.assign(partitions.map((partition) => ({ topic: log, partition })));
    return valuesOf(fjord, consumer);
  }

  async groupConsumer(log: string, group: string): Promise<ConsumerClient> {
    const fjord = this.#client('bench-group-consumer');
    const consumer = fjord.consumer({ ...consumerOptions(), groupId: group });
    await consumer.subscribe([log]);
    return valuesOf(fjord, consumer);
  }

  async stop(): Promise<void> {
    this.#unregister();
    await this.#admin.close().catch(() => undefined);
    await this.#cluster.stop();
  }

  #client(clientId: string): Fjord {
    return new Fjord({ bootstrap: [this.#cluster.bootstrap], clientId });
  }
}

const EMPTY = Buffer.alloc(0);

function consumerOptions() {
  return {
    autoOffsetReset: 'earliest' as const,
    maxPollRecords: MAX_POLL_RECORDS,
    maxPartitionFetchBytes: MAX_PARTITION_FETCH_BYTES,
  };
}

/** The record values of each poll; closing closes the client. */
function valuesOf(fjord: Fjord, consumer: Consumer): ConsumerClient {
  return {
    poll: async (timeoutMs) => {
      const records = await consumer.poll(timeoutMs);
      const values: Buffer[] = new Array(records.length);
      for (let i = 0; i < records.length; i++) values[i] = records[i]?.value ?? EMPTY;
      return values;
    },
    close: () => fjord.close(),
  };
}
