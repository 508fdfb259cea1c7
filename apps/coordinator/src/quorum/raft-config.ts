/**
 * Timing and sizing of the coordinator quorum. The defaults live here and nowhere else; the
 * deterministic simulation runs with the same ones, so what it proves is about production's
 * settings.
 */
export interface RaftConfig {
  /**
   * Base election timeout. A follower that hears nothing from a leader for a random time in
   * [electionTimeoutMs, 2 x electionTimeoutMs) starts a pre-vote; a leader that has not heard
   * from a majority for electionTimeoutMs steps down.
   */
  electionTimeoutMs: number;
  /** How often a leader sends AppendEntries (empty ones are heartbeats). */
  heartbeatIntervalMs: number;
  /**
   * How long after sending a round that a majority acknowledged a leader may still serve
   * reads. Must be below electionTimeoutMs: no voter grants a vote within electionTimeoutMs of
   * hearing from the leader, so no other leader can exist before the lease ends. The margin
   * covers clock rate drift between machines.
   */
  leaseMs: number;
  /** Most entries one AppendEntries carries. */
  maxEntriesPerAppend: number;
  /** Snapshot the state machine, and drop the log below it, after this many applied entries. */
  snapshotEveryEntries: number;
}

/** The defaults: 1 s election timeout (KRaft's), 100 ms heartbeats, a 900 ms read lease. */
export const DEFAULT_RAFT_CONFIG: Readonly<RaftConfig> = Object.freeze({
  electionTimeoutMs: 1000,
  heartbeatIntervalMs: 100,
  leaseMs: 900,
  maxEntriesPerAppend: 64,
  snapshotEveryEntries: 1000,
});

/** The defaults with `overrides` applied, checked; throws naming the first bad setting. */
export function raftConfig(overrides: Partial<RaftConfig> = {}): RaftConfig {
  const config = { ...DEFAULT_RAFT_CONFIG, ...overrides };
  for (const [name, value] of Object.entries(config)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`raft config ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (config.heartbeatIntervalMs * 2 > config.electionTimeoutMs) {
    throw new Error(
      `raft config heartbeatIntervalMs (${config.heartbeatIntervalMs}) must be at most half of electionTimeoutMs (${config.electionTimeoutMs})`,
    );
  }
  if (config.leaseMs >= config.electionTimeoutMs) {
    throw new Error(
      `raft config leaseMs (${config.leaseMs}) must be below electionTimeoutMs (${config.electionTimeoutMs})`,
    );
  }
  return config;
}

/** Votes needed out of `voterCount` voters. */
export function majorityOf(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}
