import type { ReplicaAssignment } from './hosted-replicas.js';

/** A hosted replica led by `leader` (defaults for everything else). */
export function replica(
  topic: string,
  topicId: string,
  partition: number,
  overrides: Partial<ReplicaAssignment> = {},
): ReplicaAssignment {
  return {
    topic,
    topicId,
    partition,
    leader: 1,
    leaderEpoch: 0,
    replicas: [1],
    isr: [1],
    partitionEpoch: 0,
    configs: {},
    ...overrides,
  };
}
