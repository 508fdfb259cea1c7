import { partitionForKey } from '@fjord/protocol';
import { InvalidArgumentError } from '../errors.js';

/** What a partitioner sees of a message: bytes after serialization. */
export interface PartitionerArgs {
  topic: string;
  /** The serialized key, null when the message has none. */
  key: Buffer | null;
  /** The serialized value, null when the message has none. */
  value: Buffer | null;
  numPartitions: number;
}

/** Chooses a partition in `[0, numPartitions)` for a message without an explicit partition. */
export type Partitioner = (args: PartitionerArgs) => number;

/**
 * Kafka's default partitioner: keyed messages go to `murmur2(key) mod numPartitions`, so the
 * same key always lands on the same partition (and matches Java clients); messages without a
 * key go round-robin, one partition after the other per topic, so they spread evenly.
 */
export function createDefaultPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return ({ topic, key, numPartitions }) => {
    if (key !== null) return partitionForKey(key, numPartitions);
    const next = counters.get(topic) ?? Math.floor(Math.random() * numPartitions);
    counters.set(topic, (next + 1) % 0x7fffffff);
    return next % numPartitions;
  };
}

/**
 * The partition a message goes to: its explicit `partition`, else the partitioner's choice.
 * Both are checked against the topic's partition count, so nothing is sent to a partition
 * that does not exist.
 */
export function choosePartition(
  explicit: number | undefined,
  partitioner: Partitioner,
  args: PartitionerArgs,
): number {
  if (explicit !== undefined) {
    if (!Number.isInteger(explicit) || explicit < 0 || explicit >= args.numPartitions) {
      throw new InvalidArgumentError(
        `partition ${explicit} does not exist: topic "${args.topic}" has partitions 0..${args.numPartitions - 1}`,
      );
    }
    return explicit;
  }
  const chosen = partitioner(args);
  if (!Number.isInteger(chosen) || chosen < 0 || chosen >= args.numPartitions) {
    throw new InvalidArgumentError(
      `partitioner returned ${chosen} for topic "${args.topic}", which has partitions 0..${args.numPartitions - 1}`,
    );
  }
  return chosen;
}
