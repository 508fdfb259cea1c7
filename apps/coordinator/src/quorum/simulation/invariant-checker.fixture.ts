import { createHash } from 'node:crypto';
import type { RaftEntry, RaftMessage } from '../raft-messages.js';
import type { RaftNode } from '../raft-node.js';

/** An invariant did not hold; the message says which, where and when. */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

/** Compare the full state machine state at every index divisible by this (it costs a canonical JSON). */
const STATE_SAMPLE_EVERY = 32;

/**
 * The safety properties of Raft, checked after every simulation event and on every commit:
 * - one leader per term;
 * - a node's term never goes back: not in memory, and no message it ever sent (in any
 *   incarnation) carries a term above what it holds now;
 * - a committed entry never changes: every node commits the same (term, command) at an index;
 * - state machines are identical at equal applied indexes (canonical JSON, sampled);
 * - a node's commit index never goes back while it runs;
 * - every acknowledged proposal, and every committed entry, is in every later leader's log;
 * - a node that says it may serve reads has applied everything any node knows committed.
 */
export class InvariantChecker<C> {
  private leaderOfTerm = new Map<number, number>();
  private visibleTerm = new Map<number, number>();
  /**
   * Committed entries by index. `seenInTerm` is the term of the node that first applied it: at
   * least the term of the leader that committed it, so every leader of a later term must have it.
   */
  private committed = new Map<number, { term: number; command: string; by: number; seenInTerm: number }>();
  private stateAt = new Map<number, { digest: string; by: number }>();
  private lastApplied = new Map<number, number>();
  private lastCommit = new Map<number, number>();
  private wasLeader = new Map<number, number>();
  private acknowledged: Array<{ index: number; term: number }> = [];
  private maxCommitEver = 0;
  /** Counters for the report. */
  leaderElections = 0;
  readsChecked = 0;

  constructor(private readonly now: () => number) {}

  private fail(what: string): never {
    throw new InvariantViolation(`at ${this.now()} ms: ${what}`);
  }

  /** Every message sent: its term is one its sender really held (after the write was durable). */
  onSend(message: RaftMessage<C>): void {
    if (message.type === 'PreVoteResponse' && message.granted) return;
    const term = message.type === 'PreVote' ? message.term - 1 : message.term;
    const seen = this.visibleTerm.get(message.from) ?? 0;
    if (term < seen)
      this.fail(`node ${message.from} sent ${message.type} in term ${term} after term ${seen}`);
    this.visibleTerm.set(message.from, term);
  }

  /** A node (re)started: its applied and commit positions start again from its snapshot. */
  onStart(node: RaftNode<C>, id: number): void {
    this.lastApplied.set(id, node.lastApplied);
    this.lastCommit.set(id, node.commitIndex);
    this.wasLeader.delete(id);
  }

  /** Called for each entry a node applies, with the node's state machine state after it. */
  onApplied(
    id: number,
    entry: RaftEntry<C>,
    state: () => unknown,
    snapshotIndex: number,
    term: number,
  ): void {
    // After installing a snapshot a node goes on from the snapshot's index.
    const expected = Math.max(this.lastApplied.get(id) ?? 0, snapshotIndex) + 1;
    if (entry.index !== expected) this.fail(`node ${id} applied ${entry.index}, expected ${expected}`);
    this.lastApplied.set(id, entry.index);
    const command = JSON.stringify(entry.command);
    const known = this.committed.get(entry.index);
    if (!known) {
      this.committed.set(entry.index, { term: entry.term, command, by: id, seenInTerm: term });
    } else if (known.term !== entry.term || known.command !== command) {
      this.fail(
        `node ${id} committed index ${entry.index} as term ${entry.term} ${command}, node ${known.by} as term ${known.term} ${known.command}`,
      );
    }
    if (entry.index % STATE_SAMPLE_EVERY === 0) {
      const digest = createHash('sha1').update(canonicalJson(state())).digest('hex');
      const other = this.stateAt.get(entry.index);
      if (!other) this.stateAt.set(entry.index, { digest, by: id });
      else if (other.digest !== digest) {
        this.fail(`state of node ${id} at index ${entry.index} differs from node ${other.by}'s`);
      }
    }
  }

  /** A proposal was acknowledged as committed at (index, term). */
  onAcknowledged(index: number, term: number): void {
    const known = this.committed.get(index);
    if (!known || known.term !== term)
      this.fail(`proposal acknowledged at ${index} (term ${term}) is not what committed there`);
    this.acknowledged.push({ index, term });
  }

  /** After every event: checks over the running nodes. */
  afterEvent(nodes: ReadonlyMap<number, RaftNode<C>>): void {
    for (const [id, node] of nodes) {
      if (node.commitIndex > this.maxCommitEver) this.maxCommitEver = node.commitIndex;
      const term = node.term;
      if (term < (this.visibleTerm.get(id) ?? 0)) {
        this.fail(`node ${id} is in term ${term} after sending messages in term ${this.visibleTerm.get(id)}`);
      }
      const lastCommit = this.lastCommit.get(id) ?? 0;
      if (node.commitIndex < lastCommit)
        this.fail(`node ${id} commit index went back from ${lastCommit} to ${node.commitIndex}`);
      this.lastCommit.set(id, node.commitIndex);
      if (node.role === 'leader') {
        const leader = this.leaderOfTerm.get(term);
        if (leader !== undefined && leader !== id)
          this.fail(`nodes ${leader} and ${id} both lead term ${term}`);
        if (this.wasLeader.get(id) !== term) {
          this.leaderOfTerm.set(term, id);
          this.wasLeader.set(id, term);
          this.leaderElections++;
          this.checkLeaderCompleteness(id, node);
        }
      }
    }
  }

  /** A read is served by `id` from its applied state: it must not go back in time. */
  onRead(id: number, node: RaftNode<C>, nodes: ReadonlyMap<number, RaftNode<C>>): void {
    this.readsChecked++;
    for (const other of nodes.values()) this.maxCommitEver = Math.max(this.maxCommitEver, other.commitIndex);
    if (node.lastApplied < this.maxCommitEver) {
      this.fail(
        `node ${id} served a read at applied index ${node.lastApplied} while ${this.maxCommitEver} was committed`,
      );
    }
  }

  private checkLeaderCompleteness(id: number, node: RaftNode<C>): void {
    const snapshotIndex = node.status().snapshotIndex;
    // Leader completeness (§5.4): a leader of term T holds what committed in terms before T. A
    // leader of an older term can still appear (a paused candidate counting late votes); it
    // cannot commit anything, which the other checks see.
    for (const [index, entry] of this.committed) {
      if (index <= snapshotIndex || entry.seenInTerm >= node.term) continue;
      const term = node.termAt(index);
      if (term !== entry.term) {
        this.fail(
          `leader ${id} of term ${node.term} lacks committed entry ${index} (term ${entry.term}); it has term ${term}`,
        );
      }
    }
    for (const ack of this.acknowledged) {
      if (ack.index > snapshotIndex && ack.term < node.term && node.termAt(ack.index) !== ack.term) {
        this.fail(
          `leader ${id} of term ${node.term} lacks acknowledged entry ${ack.index} (term ${ack.term})`,
        );
      }
    }
    if (snapshotIndex > 0 && !this.committed.has(snapshotIndex) && snapshotIndex > this.maxCommitEver) {
      this.fail(`leader ${id} has a snapshot at ${snapshotIndex} past anything committed`);
    }
  }
}

/** JSON with object keys sorted, so equal states give equal strings whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const field = record[key];
    if (field === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(field)}`;
  }
  return `${out}}`;
}
