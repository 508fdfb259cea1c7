// The small interface every benchmarked system (Fjord and its peers) is driven through, so that
// each workload is written once and runs unchanged against all of them.

import type { ServerProcess } from '../stats/proc-sampler.js';
import type { StorageCounters } from '../stats/storage-counters.js';

export type { ServerProcess } from '../stats/proc-sampler.js';

/** Producer acknowledgement level, in Kafka's terms; peers map it to their nearest equivalent. */
export type Acks = 0 | 1 | 'all';

/** A log (topic / stream) the workload writes to and reads from. */
export interface LogSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
}

/** Sends batches of record values to one partition. */
export interface ProducerClient {
  /** Resolves when the system acknowledged every value (at the producer's acks level). */
  send(partition: number, values: Buffer[]): Promise<void>;
  close(): Promise<void>;
}

/** Reads record values from a fixed set of partitions, from the beginning of the log. */
export interface ConsumerClient {
  /** Values that arrived, waiting up to `timeoutMs` for the first; [] when none came. */
  poll(timeoutMs: number): Promise<Buffer[]>;
  close(): Promise<void>;
}

/** A running system: started by its driver, stopped by {@link SystemDriver.stop}. */
export interface SystemDriver {
  readonly name: SystemName;
  /** The durability setting in force, written next to the numbers. */
  readonly durability: string;
  /** What the harness runs to produce and consume (client library, batching). */
  readonly clientNote: string;
  /** Server processes to sample. */
  processes(): ServerProcess[];
  /** LevelDB's totals over the servers (Fjord only; peers store differently). */
  storageCounters?(): Promise<StorageCounters>;
  /** Creates the log; throws {@link UnsupportedError} when the system cannot (e.g. no replication). */
  createLog(spec: LogSpec): Promise<void>;
  /** Removes the log and its data (frees disk / memory between workloads). */
  deleteLog(name: string): Promise<void>;
  producer(log: string, acks: Acks): Promise<ProducerClient>;
  consumer(log: string, partitions: number[]): Promise<ConsumerClient>;
  /**
   * A member of consumer group `group` on every partition of `log`, reading from the
   * beginning: the system shares the log among the group's members by its own rules.
   */
  groupConsumer(log: string, group: string): Promise<ConsumerClient>;
  stop(): Promise<void>;
}

/** `fjord` is driven through @fjord/sdk, `fjord-kafka` through the brokers' Kafka listeners. */
export type SystemName = 'fjord' | 'fjord-kafka' | 'redis' | 'nats';

export const SYSTEM_NAMES: readonly SystemName[] = ['fjord', 'fjord-kafka', 'redis', 'nats'];

/** A configuration the system does not support (yet); the workload reports it as skipped. */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}
