import { mkdir } from 'node:fs/promises';
import { Level } from 'level';
import { LOG_KEY_END, logKey, SNAPSHOT_KEY } from '../metadata/log-keys.js';
import type { RaftEntry, RaftSnapshot } from './raft-messages.js';
import type { PersistedRaftState, RaftStorage } from './raft-storage.js';

/** Key of the current term and vote. */
export const TERM_AND_VOTE_KEY = Buffer.from('raft:term-and-vote', 'latin1');

type Operation = { type: 'put'; key: Buffer; value: string } | { type: 'del'; key: Buffer };

/**
 * {@link RaftStorage} on LevelDB, with the metadata log's key layout (`log:` + big-endian
 * index, so byte order is log order) plus a term-and-vote key and the snapshot key. Writes
 * wait in memory until {@link sync}, which stores all of them in one atomic batch with
 * `sync: true` (an fsync of LevelDB's write-ahead log): a crash loses exactly the writes whose
 * sync did not call back, and never half of a batch.
 */
export class LevelRaftStorage<C> implements RaftStorage<C> {
  private pending: Operation[] = [];
  /** Sync callbacks waiting for the next batch. */
  private waitingCallbacks: Array<(error?: Error) => void> = [];
  private writing = false;
  /** Set by the first failed batch: nothing is written after it. */
  private failure: Error | undefined;
  /** The batch being written (settled when idle). */
  private queue: Promise<void> = Promise.resolve();
  /** The index range of stored entries once every pending write lands (empty when last < first). */
  private firstIndex = 1;
  private lastIndex = 0;

  private constructor(private readonly db: Level<Buffer, string>) {}

  /** Opens (creating if needed) the LevelDB under `dir`. */
  static async open<C>(dir: string): Promise<LevelRaftStorage<C>> {
    await mkdir(dir, { recursive: true });
    const db = new Level<Buffer, string>(dir, { keyEncoding: 'buffer', valueEncoding: 'utf8' });
    await db.open();
    return new LevelRaftStorage<C>(db);
  }

  /** Reads what is stored; call once, before the first write. */
  async read(): Promise<PersistedRaftState<C>> {
    const termAndVote = await this.db.get(TERM_AND_VOTE_KEY);
    const { term, votedFor } =
      termAndVote === undefined
        ? { term: 0, votedFor: null }
        : (JSON.parse(termAndVote) as { term: number; votedFor: number | null });
    const snapshotValue = await this.db.get(SNAPSHOT_KEY);
    const snapshot = snapshotValue === undefined ? null : (JSON.parse(snapshotValue) as RaftSnapshot);
    const after = snapshot?.index ?? 0;
    const entries: RaftEntry<C>[] = [];
    for await (const value of this.db.values({ gt: logKey(after), lt: LOG_KEY_END })) {
      const entry = JSON.parse(value) as RaftEntry<C>;
      const expected = after + 1 + entries.length;
      if (entry.index !== expected) {
        throw new Error(`raft log has a gap: expected index ${expected}, found ${entry.index}`);
      }
      entries.push(entry);
    }
    this.firstIndex = after + 1;
    this.lastIndex = after + entries.length;
    return { term, votedFor, snapshot, entries };
  }

  saveTermAndVote(term: number, votedFor: number | null): void {
    this.pending.push({ type: 'put', key: TERM_AND_VOTE_KEY, value: JSON.stringify({ term, votedFor }) });
  }

  append(entries: readonly RaftEntry<C>[]): void {
    for (const entry of entries) {
      if (entry.index !== this.lastIndex + 1) {
        throw new Error(`raft storage append out of order: index ${entry.index} after ${this.lastIndex}`);
      }
      this.pending.push({ type: 'put', key: logKey(entry.index), value: JSON.stringify(entry) });
      this.lastIndex = entry.index;
    }
  }

  truncateFrom(index: number): void {
    for (let i = Math.max(index, this.firstIndex); i <= this.lastIndex; i++) {
      this.pending.push({ type: 'del', key: logKey(i) });
    }
    this.lastIndex = Math.min(this.lastIndex, index - 1);
  }

  saveSnapshot(snapshot: RaftSnapshot): void {
    this.pending.push({ type: 'put', key: SNAPSHOT_KEY, value: JSON.stringify(snapshot) });
    for (let i = this.firstIndex; i <= Math.min(snapshot.index, this.lastIndex); i++) {
      this.pending.push({ type: 'del', key: logKey(i) });
    }
    this.firstIndex = snapshot.index + 1;
    this.lastIndex = Math.max(this.lastIndex, snapshot.index);
  }

  /**
   * Group commit: while one batch is being written, later sync calls only wait; when it
   * lands, everything written meanwhile goes in the next batch, and their callbacks run
   * after it (in call order). Once a batch fails, every later sync fails without writing, so
   * what is stored stays a prefix of what was written. So a burst of inputs costs two fsyncs, not one each, and a
   * group heartbeat waits for at most the fsync in flight before its own.
   */
  sync(callback: (error?: Error) => void): void {
    this.waitingCallbacks.push(callback);
    if (!this.writing) this.writeBatch();
  }

  private writeBatch(): void {
    const operations = this.pending;
    const callbacks = this.waitingCallbacks;
    this.pending = [];
    this.waitingCallbacks = [];
    this.writing = true;
    this.queue = (async () => {
      let failure = this.failure;
      try {
        if (failure === undefined && operations.length > 0) await this.db.batch(operations, { sync: true });
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        // Sticky: a later batch landing after a lost one would leave a hole in the log.
        this.failure = failure;
      }
      this.writing = false;
      for (const callback of callbacks) callback(failure);
      // A callback may have started the next batch already (the core syncs from its callbacks).
      if (!this.writing && this.waitingCallbacks.length > 0) this.writeBatch();
    })();
  }

  /** Waits for every sync requested so far, then closes LevelDB. Unsynced writes are dropped. */
  async close(): Promise<void> {
    while (this.writing) await this.queue;
    await this.db.close();
  }
}
