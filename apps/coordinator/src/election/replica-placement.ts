import type { PartitionAssignment } from '../metadata/records.js';

/**
 * Assigns replicas of a new topic's partitions round-robin over `liveBrokerIds`, starting
 * at `startIndex` (chosen at random by the caller and recorded in the resulting
 * assignment, so replay does not depend on the random draw). Partition p gets brokers
 * start+p, start+p+1, … so leaders (the first replica, the preferred leader) spread evenly.
 * Every replica starts in the ISR: a new partition is empty on every replica.
 */
export function placeReplicas(
  liveBrokerIds: readonly number[],
  partitionCount: number,
  replicationFactor: number,
  startIndex: number,
): PartitionAssignment[] {
  const brokers = [...liveBrokerIds].sort((a, b) => a - b);
  if (replicationFactor < 1 || replicationFactor > brokers.length) {
    throw new RangeError(`cannot place ${replicationFactor} replicas on ${brokers.length} live broker(s)`);
  }
  const assignments: PartitionAssignment[] = [];
  for (let partition = 0; partition < partitionCount; partition++) {
    const replicas: number[] = [];
    for (let i = 0; i < replicationFactor; i++) {
      replicas.push(brokers[(startIndex + partition + i) % brokers.length]!);
    }
    assignments.push({ partition, replicas, leader: replicas[0]!, isr: [...replicas] });
  }
  return assignments;
}
