import { ErrorCode, type v1 } from '@fjord/protocol';
import { decideIsrChange } from '../election/isr-change.js';
import { appendPartitionChanges } from '../election/partition-changes.js';
import type { PartitionState } from '../metadata/state.js';
import { brokerEpochProblem } from './broker-epoch-check.js';
import { brokerPrincipalProblem } from './broker-principal-check.js';
import { ANONYMOUS_PRINCIPAL } from './caller.js';
import type { CoordinatorContext } from './coordinator-context.js';

/**
 * AlterPartition: a leader's ISR change. Each partition is decided on its own against the
 * state (current leader, leader epoch, partition epoch); accepted ones are appended as
 * ChangePartition records in one batch. Every result carries the partition as it is
 * afterwards, so the leader learns the new partition epoch without waiting for a heartbeat.
 */
export async function alterPartition(
  ctx: CoordinatorContext,
  request: v1.AlterPartitionRequest__Output,
  /** The caller's principal (only the principal a broker id is bound to may act for it). */
  principal: string = ANONYMOUS_PRINCIPAL,
): Promise<v1.AlterPartitionResponse> {
  const problem =
    brokerPrincipalProblem(ctx.security, request.brokerId, principal) ??
    brokerEpochProblem(ctx.store.state, request.brokerId, request.brokerEpoch);
  if (problem) return { ...problem, partitions: [] };
  const partitions = await ctx.store.propose((proposal) =>
    request.partitions.map((item): v1.AlterPartitionResult => {
      const decision = decideIsrChange(proposal.state, {
        brokerId: request.brokerId,
        topicId: item.topicId,
        partition: item.partition,
        leaderEpoch: item.leaderEpoch,
        partitionEpoch: item.partitionEpoch,
        newIsr: item.newIsr,
      });
      if (!decision.ok) {
        return result(item, decision.errorCode, decision.errorMessage, decision.current);
      }
      appendPartitionChanges(proposal, [decision.change]);
      const after = proposal.state.topics[item.topicId]!.partitions[item.partition]!;
      return result(item, ErrorCode.NONE, '', after);
    }),
  );
  for (const [i, r] of partitions.entries()) {
    const level = r.errorCode === ErrorCode.NONE ? 'info' : 'warn';
    ctx.logger[level](
      {
        brokerId: request.brokerId,
        topicId: r.topicId,
        partition: r.partition,
        requestedIsr: request.partitions[i]!.newIsr,
        isr: r.isr,
        errorCode: r.errorCode,
        error: r.errorMessage || undefined,
      },
      r.errorCode === ErrorCode.NONE ? 'ISR changed' : 'ISR change refused',
    );
  }
  return { errorCode: ErrorCode.NONE, errorMessage: '', partitions };
}

function result(
  item: v1.AlterPartitionItem__Output,
  errorCode: number,
  errorMessage: string,
  current: PartitionState | undefined,
): v1.AlterPartitionResult {
  return {
    topicId: item.topicId,
    partition: item.partition,
    errorCode,
    errorMessage,
    leader: current?.leader ?? -1,
    leaderEpoch: current?.leaderEpoch ?? -1,
    partitionEpoch: current?.partitionEpoch ?? -1,
    isr: current ? [...current.isr] : [],
  };
}
