/**
 * A proposal reached a voter that is not the leader, or the leader stepped down before the
 * entry committed. In the second case the entry may still commit under the next leader: the
 * outcome is unknown, and a retry must be safe to apply twice or check first.
 */
export class NotLeaderError extends Error {
  constructor(
    /** The voter believed to lead now, or null when none is known (an election is running). */
    readonly leaderHint: number | null,
    reason: string,
  ) {
    super(`${reason}; leader: ${leaderHint === null ? 'unknown' : String(leaderHint)}`);
    this.name = 'NotLeaderError';
  }
}

/** Storage could not make a write durable; the voter stops rather than act on it. */
export class RaftStorageError extends Error {
  constructor(cause: unknown) {
    super(`raft storage failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RaftStorageError';
  }
}
