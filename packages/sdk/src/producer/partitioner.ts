import { partitionForKey } from '@fjord/protocol';
import { InvalidArgumentError } from '../errors.js';
import type { Partitioner, PartitionerArgs } from '../options.js';
import { StickyPartitionChooser } from './sticky-partitioner.js';

/**
 * Kafka's default partitioner: keyed messages go to `murmur2(key) mod numPartitions`, so the
 * same key always lands on the same partition (and matches Java clients); messages without a
 * key are sticky: they fill about `stickyBytes` (the producer's batchBytes) on one partition,
 * then move to another (see {@link StickyPartitionChooser}).
 */
export function createDefaultPartitioner(stickyBytes = 64 * 1024): Partitioner {
  const sticky = new StickyPartitionChooser(stickyBytes);
  return ({ topic, key, value, numPartitions }) => {
    if (key !== null) return partitionForKey(key, numPartitions);
    return sticky.choose(topic, numPartitions, (value?.length ?? 0) + 8);
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
