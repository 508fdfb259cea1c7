import type { v1 } from '@fjord/protocol';
import type { CoordinatorContext } from './coordinator-context.js';

/**
 * DescribeQuorum, answered by every voter from its own Raft node: the leader it knows, its
 * term and commit index, and every voter with its address on the listener the call came in on
 * (`listenerName`; empty when that voter has none there, or has not been heard from yet). Log
 * ends and lags are the leader's knowledge (its own last index, and what each follower
 * acknowledged); a follower knows only its own log end, and reports -1 for what it cannot know.
 */
export function describeQuorum(
  ctx: CoordinatorContext,
  listenerName: string | undefined,
): v1.DescribeQuorumResponse {
  const { replica } = ctx.quorum;
  const status = replica.node.status();
  const leading = status.role === 'leader';
  const progress = new Map(replica.node.peerProgress().map((p) => [p.id, p.matchIndex]));
  return {
    nodeId: status.id,
    leaderId: status.leaderId ?? -1,
    term: String(status.term),
    commitIndex: String(status.commitIndex),
    voters: ctx.quorum.voters().map(({ id }) => {
      let logEnd = -1;
      let lag = -1;
      if (id === status.id) {
        logEnd = status.lastIndex;
        if (leading) lag = 0;
      } else if (leading) {
        // 0: the follower has not answered this leader yet (every log holds the no-op by then).
        const match = progress.get(id) ?? 0;
        logEnd = match > 0 ? match : -1;
        lag = logEnd < 0 ? -1 : Math.max(0, status.lastIndex - logEnd);
      }
      const address = ctx.quorum.voterAddress(id, listenerName) ?? '';
      return { id, address, leader: id === status.leaderId, logEnd: String(logEnd), lag: String(lag) };
    }),
  };
}
