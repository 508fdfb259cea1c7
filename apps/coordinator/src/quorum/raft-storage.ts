import type { RaftEntry, RaftSnapshot } from './raft-messages.js';

/** What a voter finds on disk when it starts. */
export interface PersistedRaftState<C> {
  term: number;
  votedFor: number | null;
  snapshot: RaftSnapshot | null;
  /** Entries after the snapshot, in index order, without gaps. */
  entries: RaftEntry<C>[];
}

/** The state of a voter that never ran. */
export function emptyPersistedRaftState<C>(): PersistedRaftState<C> {
  return { term: 0, votedFor: null, snapshot: null, entries: [] };
}

/**
 * A voter's durable state. Writes are buffered in order and become durable only through
 * {@link RaftStorage.sync}: a crash may lose every write whose sync has not called back, and
 * keeps each synced batch whole. The Raft core sends nothing that depends on a write (a vote,
 * an acknowledgment, a request in a new term) before that write's sync has called back.
 * Reading happens once, at start, and gives a {@link PersistedRaftState}.
 */
export interface RaftStorage<C> {
  /** Records the current term and the vote cast in it. */
  saveTermAndVote(term: number, votedFor: number | null): void;
  /** Appends entries that follow the last stored one. */
  append(entries: readonly RaftEntry<C>[]): void;
  /** Drops the entries at `index` and after (a follower's conflicting suffix). */
  truncateFrom(index: number): void;
  /** Stores `snapshot` and drops every entry at or below its index. */
  saveSnapshot(snapshot: RaftSnapshot): void;
  /**
   * Makes every earlier write durable (one fsync for all of them), then calls back, with an
   * error if it could not. Callbacks run in the order of the sync calls.
   */
  sync(callback: (error?: Error) => void): void;
}
