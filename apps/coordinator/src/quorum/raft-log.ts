import type { RaftEntry, RaftSnapshot } from './raft-messages.js';

/**
 * A voter's log in memory: the entries after the latest snapshot, indexed from the
 * snapshot's index + 1. Raft indexes start at 1; index 0 (term 0) is the empty log. The
 * durable copy is the storage's; this one is what the voter reasons with.
 */
export class RaftLog<C> {
  private entries: RaftEntry<C>[];
  private base: { index: number; term: number };

  constructor(snapshot: RaftSnapshot | null, entries: readonly RaftEntry<C>[]) {
    this.base = { index: snapshot?.index ?? 0, term: snapshot?.term ?? 0 };
    this.entries = [...entries];
    this.entries.forEach((entry, i) => {
      if (entry.index !== this.base.index + 1 + i) {
        throw new Error(
          `raft log has a gap: expected index ${this.base.index + 1 + i}, found ${entry.index}`,
        );
      }
    });
  }

  /** Index of the last entry covered by the snapshot (0 without one). */
  get snapshotIndex(): number {
    return this.base.index;
  }

  get snapshotTerm(): number {
    return this.base.term;
  }

  get lastIndex(): number {
    return this.base.index + this.entries.length;
  }

  get lastTerm(): number {
    return this.entries.length === 0
      ? this.base.term
      : (this.entries[this.entries.length - 1] as RaftEntry<C>).term;
  }

  /** The term of the entry at `index`; undefined when it is past the end or below the snapshot. */
  termAt(index: number): number | undefined {
    if (index === this.base.index) return this.base.term;
    return this.entry(index)?.term;
  }

  /** The entry at `index`, if held (not past the end, not folded into the snapshot). */
  entry(index: number): RaftEntry<C> | undefined {
    return this.entries[index - this.base.index - 1];
  }

  /** Entries [from, toInclusive] that are held. */
  slice(from: number, toInclusive: number): RaftEntry<C>[] {
    return this.entries.slice(from - this.base.index - 1, toInclusive - this.base.index);
  }

  /** The first index holding `term`, searching back from `index` (fast back-off hint). */
  firstIndexOfTerm(term: number, index: number): number {
    let first = index;
    while (first - 1 > this.base.index && this.termAt(first - 1) === term) first--;
    return first;
  }

  /** The last index holding `term`, or undefined when the log has no entry of it. */
  lastIndexOfTerm(term: number): number | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i] as RaftEntry<C>;
      if (entry.term === term) return entry.index;
      if (entry.term < term) return undefined;
    }
    return undefined;
  }

  append(entry: RaftEntry<C>): void {
    if (entry.index !== this.lastIndex + 1) {
      throw new Error(`raft log append out of order: index ${entry.index} after ${this.lastIndex}`);
    }
    this.entries.push(entry);
  }

  /** Drops entries at `index` and after. */
  truncateFrom(index: number): void {
    if (index <= this.base.index) throw new Error(`cannot truncate at ${index}: the snapshot covers it`);
    this.entries.length = Math.max(0, index - this.base.index - 1);
  }

  /**
   * Makes `snapshot` the new base: entries it covers are dropped, and when the log does not
   * hold the snapshot's last entry with the same term, every entry is (they conflict with it).
   */
  resetTo(snapshot: RaftSnapshot): void {
    if (this.termAt(snapshot.index) === snapshot.term && snapshot.index <= this.lastIndex) {
      this.entries = this.entries.slice(snapshot.index - this.base.index);
    } else {
      this.entries = [];
    }
    this.base = { index: snapshot.index, term: snapshot.term };
  }

  /** True when a log ending at (lastTerm, lastIndex) is at least as up to date as this one (§5.4.1). */
  isUpToDate(lastTerm: number, lastIndex: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);
  }
}
