import { ErrorCode } from '@fjord/protocol';
import { isBrokerAlive, type MetadataState, type PartitionState } from '../metadata/state.js';
import type { PartitionChange } from './leader-election.js';

/** One ISR change a partition leader asks for (AlterPartition). */
export interface IsrChangeRequest {
  brokerId: number;
  topicId: string;
  partition: number;
  leaderEpoch: number;
  partitionEpoch: number;
  newIsr: readonly number[];
}

/** The change to append, or why it is refused (with the partition as it is, when it exists). */
export type IsrChangeDecision =
  | { ok: true; change: PartitionChange }
  | { ok: false; errorCode: number; errorMessage: string; current?: PartitionState };

/**
 * Validates an ISR change against the current state, as Kafka's controller does for
 * AlterPartition: only the current leader, with the current leader epoch and partition
 * epoch, may change the ISR; the new ISR holds the leader, only replicas, no duplicates,
 * and every broker joining it is alive. Refusing stale epochs is what keeps a fenced or
 * paused leader from shrinking the ISR to itself and acknowledging writes alone.
 */
export function decideIsrChange(state: MetadataState, request: IsrChangeRequest): IsrChangeDecision {
  const refuse = (errorCode: number, errorMessage: string, current?: PartitionState): IsrChangeDecision => ({
    ok: false,
    errorCode,
    errorMessage,
    current,
  });
  const topic = state.topics[request.topicId];
  const current = topic?.partitions[request.partition];
  const where = `partition ${request.partition} of topic ${request.topicId}`;
  if (!topic || !current) return refuse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${where} does not exist`);
  if (current.leader !== request.brokerId) {
    return refuse(
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      `broker ${request.brokerId} does not lead ${where}; the leader is ${current.leader}`,
      current,
    );
  }
  if (request.leaderEpoch !== current.leaderEpoch) {
    const older = request.leaderEpoch < current.leaderEpoch;
    return refuse(
      older ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH,
      `leader epoch ${request.leaderEpoch} is ${older ? 'older' : 'newer'} than the current ${current.leaderEpoch} of ${where}`,
      current,
    );
  }
  if (request.partitionEpoch !== current.partitionEpoch) {
    return refuse(
      ErrorCode.INVALID_UPDATE_VERSION,
      `partition epoch ${request.partitionEpoch} is not the current ${current.partitionEpoch} of ${where}`,
      current,
    );
  }
  const newIsr = [...request.newIsr];
  if (new Set(newIsr).size !== newIsr.length) {
    return refuse(ErrorCode.INVALID_REQUEST, `new ISR [${newIsr.join(',')}] lists a broker twice`, current);
  }
  if (!newIsr.includes(current.leader)) {
    return refuse(
      ErrorCode.INVALID_REQUEST,
      `new ISR [${newIsr.join(',')}] does not hold the leader`,
      current,
    );
  }
  const stranger = newIsr.find((id) => !current.replicas.includes(id));
  if (stranger !== undefined) {
    return refuse(ErrorCode.INVALID_REQUEST, `broker ${stranger} is not a replica of ${where}`, current);
  }
  const ineligible = newIsr.find((id) => !current.isr.includes(id) && !isBrokerAlive(state, id));
  if (ineligible !== undefined) {
    return refuse(
      ErrorCode.INELIGIBLE_REPLICA,
      `broker ${ineligible} cannot join the ISR of ${where}: it is fenced or not registered`,
      current,
    );
  }
  return {
    ok: true,
    change: { topicId: request.topicId, partition: request.partition, leader: current.leader, isr: newIsr },
  };
}
