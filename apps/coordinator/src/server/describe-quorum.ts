import type { v1 } from '@fjord/protocol';
import type { CoordinatorContext } from './coordinator-context.js';

/**
 * DescribeQuorum for a coordinator that runs alone: it is the only voter and always leads,
 * and its log end is the metadata log's. (A voter of a replicated quorum answers from its
 * Raft node instead.)
 */
export function describeQuorum(ctx: CoordinatorContext): v1.DescribeQuorumResponse {
  const logEnd = String(ctx.store.metadataVersion);
  return {
    nodeId: 1,
    leaderId: 1,
    term: '1',
    commitIndex: logEnd,
    voters: [{ id: 1, address: ctx.coordinatorAddress(), leader: true, logEnd, lag: '0' }],
  };
}
