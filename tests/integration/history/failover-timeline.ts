/**
 * The timeline of one coordinator failover, read from the nodes' logs (pino JSON lines with a
 * `time` in epoch ms): when the surviving voters started a pre-vote, stood for election, when
 * one became leader and when it served (its first entry committed), when every broker followed
 * it, and when a client's first coordinator write succeeded. Times are ms after the fault.
 */

/** One log line of one node, parsed. */
export interface NodeLogEvent {
  node: string;
  /** Epoch ms of the line (pino's `time`). */
  time: number;
  msg: string;
  fields: Record<string, unknown>;
}

/** Where each phase of one failover ended, in ms after the fault (undefined: not seen). */
export interface FailoverTimeline {
  /** First pre-vote on a surviving voter: it stopped hearing from the leader. */
  preVoteMs: number | undefined;
  /** First surviving voter that stood for election (its pre-vote was granted). */
  candidateMs: number | undefined;
  /** First surviving voter that won an election. */
  electedMs: number | undefined;
  /** That leader's first entry committed: it serves writes from then on. */
  servingMs: number | undefined;
  /** The last broker to take the new leader as its coordinator (undefined if one never did). */
  brokersFollowedMs: number | undefined;
  /** The client's first coordinator write that succeeded. */
  firstWriteMs: number;
  /** Terms the survivors stood for election in: more than one means a split or failed round. */
  electionRounds: number;
}

/** What {@link failoverTimeline} needs besides the log lines. */
export interface FailoverContext {
  /** Epoch ms of the fault. */
  faultAt: number;
  /** The coordinator that led (and was faulted); its own lines are not the survivors'. */
  oldLeader: string;
  /** Every coordinator's name. */
  coordinators: readonly string[];
  /** Every broker's name. */
  brokers: readonly string[];
  /** Epoch ms of the first coordinator write that succeeded after the fault. */
  firstWriteAt: number;
  /** Epoch ms after which lines belong to the next fault (or the end of the run). */
  until: number;
}

/** Parses one node's log text (JSON lines; anything else is skipped). */
export function parseNodeLog(node: string, text: string): NodeLogEvent[] {
  const events: NodeLogEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const fields = JSON.parse(line) as Record<string, unknown>;
      if (typeof fields.time === 'number' && typeof fields.msg === 'string') {
        events.push({ node, time: fields.time, msg: fields.msg, fields });
      }
    } catch {
      // A line cut by a SIGKILL.
    }
  }
  return events;
}

/** Builds the timeline of one failover from the lines of every node. */
export function failoverTimeline(
  events: readonly NodeLogEvent[],
  context: FailoverContext,
): FailoverTimeline {
  const after = events
    .filter((e) => e.time >= context.faultAt && e.time < context.until)
    .sort((a, b) => a.time - b.time);
  const survivors = new Set(context.coordinators.filter((name) => name !== context.oldLeader));
  const since = (e: NodeLogEvent | undefined) => (e === undefined ? undefined : e.time - context.faultAt);
  const roleEvents = after.filter((e) => survivors.has(e.node) && e.msg === 'quorum role');
  const firstRole = (role: string) => roleEvents.find((e) => e.fields.role === role);
  const elected = firstRole('leader');
  const serving =
    elected &&
    after.find(
      (e) => e.node === elected.node && e.time >= elected.time && e.msg === 'leading the coordinator quorum',
    );
  const candidateTerms = new Set(
    roleEvents.filter((e) => e.fields.role === 'candidate').map((e) => Number(e.fields.term)),
  );
  // A broker follows once it names a leader again after the fault (it forgets the dead one first,
  // or is told of the new one by a NOT_COORDINATOR hint).
  const followedAt = context.brokers.map((broker) =>
    after.find(
      (e) =>
        e.node === broker &&
        e.msg === 'coordinator leader' &&
        e.fields.leader !== 'unknown' &&
        elected !== undefined &&
        e.time >= elected.time,
    ),
  );
  const brokersFollowed = followedAt.every((e) => e !== undefined)
    ? Math.max(...followedAt.map((e) => e.time))
    : undefined;
  return {
    preVoteMs: since(firstRole('precandidate')),
    candidateMs: since(firstRole('candidate')),
    electedMs: since(elected),
    servingMs: since(serving),
    brokersFollowedMs: brokersFollowed === undefined ? undefined : brokersFollowed - context.faultAt,
    firstWriteMs: context.firstWriteAt - context.faultAt,
    electionRounds: candidateTerms.size,
  };
}
