/**
 * What Raft stores and sends. Plain JSON data, so the same objects go to LevelDB, over gRPC
 * and through the simulated network (which copies them through JSON, as the wire would).
 */

/** One log entry. `command` null is the no-op a new leader appends to commit earlier terms. */
export interface RaftEntry<C> {
  index: number;
  term: number;
  command: C | null;
}

/** The state machine as of `index` (whose entry had `term`); `data` is its JSON snapshot. */
export interface RaftSnapshot {
  index: number;
  term: number;
  data: unknown;
}

interface Envelope {
  from: number;
  to: number;
  /** The sender's term (for a pre-vote request: the term the sender would stand in). */
  term: number;
}

/** "Would you vote for me in `term`?" Changes nothing on the receiver (Raft thesis §9.6). */
export interface PreVoteRequest extends Envelope {
  type: 'PreVote';
  lastLogIndex: number;
  lastLogTerm: number;
}

export interface PreVoteResponse extends Envelope {
  type: 'PreVoteResponse';
  granted: boolean;
}

export interface VoteRequest extends Envelope {
  type: 'Vote';
  lastLogIndex: number;
  lastLogTerm: number;
  /**
   * True when the leader of the previous term asked for this election ({@link TimeoutNowRequest}):
   * voters grant it even while they still hear from that leader, which has stopped serving.
   * Absent in every other election.
   */
  leadershipTransfer?: boolean;
}

export interface VoteResponse extends Envelope {
  type: 'VoteResponse';
  granted: boolean;
}

export interface AppendEntriesRequest<C> extends Envelope {
  type: 'AppendEntries';
  prevLogIndex: number;
  prevLogTerm: number;
  entries: RaftEntry<C>[];
  leaderCommit: number;
  /** The leader's clock when it sent this; echoed back so the leader can date its lease. */
  leaderTimeMs: number;
}

export interface AppendEntriesResponse extends Envelope {
  type: 'AppendEntriesResponse';
  success: boolean;
  /** On success: the follower's log matches the leader's up to here. */
  matchIndex: number;
  /**
   * On failure, the fast back-off hint (Raft thesis §5.3): the follower's term at
   * prevLogIndex (null when its log is shorter) and the first index it holds of that term
   * (or its last index + 1).
   */
  conflictTerm: number | null;
  conflictIndex: number;
  leaderTimeMs: number;
}

/**
 * "Stand for election now, I am stepping down" (Raft thesis §3.10, KRaft's EndQuorumEpoch): a
 * leader that is being stopped sends it to a voter holding its whole log, which then skips the
 * election timeout and the pre-vote.
 */
export interface TimeoutNowRequest extends Envelope {
  type: 'TimeoutNow';
}

/** The whole snapshot in one message: the metadata state is small (no chunking). */
export interface InstallSnapshotRequest extends Envelope {
  type: 'InstallSnapshot';
  snapshot: RaftSnapshot;
  leaderTimeMs: number;
}

export interface InstallSnapshotResponse extends Envelope {
  type: 'InstallSnapshotResponse';
  matchIndex: number;
  leaderTimeMs: number;
}

export type RaftMessage<C> =
  | PreVoteRequest
  | PreVoteResponse
  | VoteRequest
  | VoteResponse
  | AppendEntriesRequest<C>
  | AppendEntriesResponse
  | InstallSnapshotRequest
  | InstallSnapshotResponse
  | TimeoutNowRequest;
