import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../liveness/clock.js';
import { DEFAULT_RAFT_CONFIG, majorityOf, raftConfig } from './raft-config.js';
import { NotLeaderError } from './raft-errors.js';
import type { RaftMessage } from './raft-messages.js';
import { RaftNode, type RaftStatus } from './raft-node.js';
import { emptyPersistedRaftState, type RaftStorage } from './raft-storage.js';
import type { TimerClock } from './timer-clock.js';

describe('raft config', () => {
  it('has production defaults that pass its own checks', () => {
    expect(raftConfig()).toEqual(DEFAULT_RAFT_CONFIG);
  });

  it('names the bad setting', () => {
    expect(() => raftConfig({ heartbeatIntervalMs: 0 })).toThrow(
      /heartbeatIntervalMs must be a positive integer, got 0/,
    );
    expect(() => raftConfig({ heartbeatIntervalMs: 600 })).toThrow(/at most half of electionTimeoutMs/);
    expect(() => raftConfig({ leaseMs: 1000 })).toThrow(/leaseMs \(1000\) must be below electionTimeoutMs/);
  });

  it('counts majorities', () => {
    expect([1, 3, 5].map(majorityOf)).toEqual([1, 2, 3]);
  });
});

/** A clock whose timers never fire: the test drives the node by messages alone. */
class FrozenClock extends ManualClock implements TimerClock {
  setTimer() {
    return { cancel: () => undefined };
  }
}

/** A manual clock whose timers fire as {@link advance} passes them. */
class SteppedClock extends ManualClock implements TimerClock {
  private timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];

  setTimer(delayMs: number, callback: () => void) {
    const timer = { at: this.nowMs() + delayMs, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  override advance(ms: number): void {
    const until = this.nowMs() + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      super.advance(due.at - this.nowMs());
      due.cancelled = true;
      due.callback();
    }
    super.advance(until - this.nowMs());
  }
}

const nullStorage: RaftStorage<string> = {
  saveTermAndVote: () => undefined,
  append: () => undefined,
  truncateFrom: () => undefined,
  saveSnapshot: () => undefined,
  sync: (callback) => callback(),
};

function follower(sent: Array<RaftMessage<string>>, statuses: RaftStatus[] = []) {
  return new RaftNode<string>({
    id: 2,
    voters: [1, 2, 3],
    config: raftConfig(),
    clock: new FrozenClock(5000),
    random: { uuid: () => 'u', int: () => 0 },
    transport: { send: (m) => sent.push(m), listen: () => undefined },
    storage: nullStorage,
    persisted: emptyPersistedRaftState(),
    stateMachine: { apply: () => undefined, snapshot: () => null, restore: () => undefined },
    onStatusChange: (status) => statuses.push(status),
  });
}

describe('RaftNode', () => {
  it('refuses a proposal when it does not lead, naming the leader it follows', () => {
    const sent: Array<RaftMessage<string>> = [];
    const statuses: RaftStatus[] = [];
    const node = follower(sent, statuses);
    node.start();
    node.receive({
      type: 'AppendEntries',
      from: 1,
      to: 2,
      term: 4,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [{ index: 1, term: 4, command: null }],
      leaderCommit: 0,
      leaderTimeMs: 0,
    });
    expect(node.status()).toMatchObject({ term: 4, leaderId: 1, role: 'follower', lastIndex: 1 });
    expect(statuses.map((s) => [s.role, s.term, s.leaderId])).toEqual([['follower', 4, 1]]);
    const outcomes: unknown[] = [];
    node.propose('x', (outcome) => outcomes.push(outcome));
    expect(outcomes).toHaveLength(1);
    const [outcome] = outcomes as Array<{ ok: false; error: NotLeaderError }>;
    expect(outcome?.error).toBeInstanceOf(NotLeaderError);
    expect(outcome?.error.leaderHint).toBe(1);
  });

  it('grants a pre-vote it refused for its lease once the lease ends, unless the leader spoke since', () => {
    const sent: Array<RaftMessage<string>> = [];
    const clock = new SteppedClock(5000);
    const node = new RaftNode<string>({
      id: 2,
      voters: [1, 2, 3],
      config: raftConfig(),
      clock,
      // The longest election timeout: the voter's own timer stays out of the way.
      random: { uuid: () => 'u', int: (n) => n - 1 },
      transport: { send: (m) => sent.push(m), listen: () => undefined },
      storage: nullStorage,
      persisted: emptyPersistedRaftState(),
      stateMachine: { apply: () => undefined, snapshot: () => null, restore: () => undefined },
    });
    node.start();
    const heartbeat = () =>
      node.receive({
        type: 'AppendEntries',
        from: 1,
        to: 2,
        term: 1,
        prevLogIndex: 0,
        prevLogTerm: 0,
        entries: [],
        leaderCommit: 0,
        leaderTimeMs: 0,
      });
    const preVote = () =>
      node.receive({ type: 'PreVote', from: 3, to: 2, term: 2, lastLogIndex: 0, lastLogTerm: 0 });
    const answers = () => sent.filter((m) => m.type === 'PreVoteResponse');
    heartbeat();
    clock.advance(900);
    preVote();
    expect(answers()).toEqual([{ type: 'PreVoteResponse', from: 2, to: 3, term: 1, granted: false }]);
    // The lease of leader 1 ends 1000 ms after its heartbeat: the refusal becomes a grant then.
    clock.advance(99);
    expect(answers()).toHaveLength(1);
    clock.advance(1);
    expect(answers().at(-1)).toEqual({ type: 'PreVoteResponse', from: 2, to: 3, term: 2, granted: true });

    // The leader speaks again before the lease ends: no late grant.
    sent.length = 0;
    heartbeat();
    clock.advance(500);
    preVote();
    clock.advance(200);
    heartbeat();
    clock.advance(1500);
    expect(answers()).toEqual([{ type: 'PreVoteResponse', from: 2, to: 3, term: 1, granted: false }]);
  });

  it('answers a mismatched AppendEntries with the fast back-off hint', () => {
    const sent: Array<RaftMessage<string>> = [];
    const node = follower(sent);
    node.start();
    const append = (
      prevLogIndex: number,
      prevLogTerm: number,
      entries: Array<{ index: number; term: number }>,
    ) =>
      node.receive({
        type: 'AppendEntries',
        from: 1,
        to: 2,
        term: 3,
        prevLogIndex,
        prevLogTerm,
        entries: entries.map((e) => ({ ...e, command: 'c' })),
        leaderCommit: 0,
        leaderTimeMs: 0,
      });
    append(0, 0, [
      { index: 1, term: 1 },
      { index: 2, term: 2 },
      { index: 3, term: 2 },
    ]);
    append(3, 3, []);
    expect(sent.at(-1)).toMatchObject({
      type: 'AppendEntriesResponse',
      success: false,
      conflictTerm: 2,
      conflictIndex: 2,
    });
    append(7, 3, []);
    expect(sent.at(-1)).toMatchObject({ success: false, conflictTerm: null, conflictIndex: 4 });
    // A conflicting suffix is replaced.
    append(1, 1, [{ index: 2, term: 3 }]);
    expect(sent.at(-1)).toMatchObject({ success: true, matchIndex: 2 });
    expect(node.status().lastIndex).toBe(2);
    expect(node.termAt(2)).toBe(3);
  });

  it('refuses voter sets other than 1, 3 or 5 distinct ids including its own', () => {
    const base = {
      config: raftConfig(),
      clock: new FrozenClock(),
      random: { uuid: () => 'u', int: () => 0 },
      transport: { send: () => undefined, listen: () => undefined },
      storage: nullStorage,
      persisted: emptyPersistedRaftState<string>(),
      stateMachine: { apply: () => undefined, snapshot: () => null, restore: () => undefined },
    };
    expect(() => new RaftNode({ ...base, id: 4, voters: [1, 2, 3] })).toThrow(
      /voter 4 is not among the voters 1,2,3/,
    );
    expect(() => new RaftNode({ ...base, id: 1, voters: [1, 1, 2] })).toThrow(/voters must be distinct/);
    expect(() => new RaftNode({ ...base, id: 1, voters: [1, 2] })).toThrow(/1, 3 or 5 voters, not 2/);
  });
});

/** A manual clock whose timers run when the test fires them. */
class TriggeredClock extends ManualClock implements TimerClock {
  private timers: Array<{ callback: () => void; cancelled: boolean }> = [];
  setTimer(_delayMs: number, callback: () => void) {
    const timer = { callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }
  fireAll(): void {
    const due = this.timers.splice(0);
    for (const timer of due) if (!timer.cancelled) timer.callback();
  }
}

describe('RaftNode as leader', () => {
  it('starts a follower over when its log ends below what it acknowledged (a replaced disk), not on a stale answer', () => {
    const sent: Array<RaftMessage<string>> = [];
    const clock = new TriggeredClock(1_000);
    const leader = new RaftNode<string>({
      id: 1,
      voters: [1, 2, 3],
      config: raftConfig(),
      clock,
      random: { uuid: () => 'u', int: () => 0 },
      transport: { send: (m) => sent.push(m), listen: () => undefined },
      storage: nullStorage,
      persisted: emptyPersistedRaftState(),
      stateMachine: { apply: () => undefined, snapshot: () => null, restore: () => undefined },
    });
    leader.start();
    clock.fireAll();
    leader.receive({ type: 'PreVoteResponse', from: 2, to: 1, term: 1, granted: true });
    leader.receive({ type: 'VoteResponse', from: 2, to: 1, term: 1, granted: true });
    expect(leader.role).toBe('leader');
    leader.propose('a', () => undefined);
    leader.propose('b', () => undefined);
    const ack = (matchIndex: number, leaderTimeMs: number) =>
      leader.receive({
        type: 'AppendEntriesResponse',
        from: 2,
        to: 1,
        term: 1,
        success: true,
        matchIndex,
        conflictTerm: null,
        conflictIndex: 0,
        leaderTimeMs,
      });
    const refuse = (conflictIndex: number, leaderTimeMs: number) =>
      leader.receive({
        type: 'AppendEntriesResponse',
        from: 2,
        to: 1,
        term: 1,
        success: false,
        matchIndex: 0,
        conflictTerm: null,
        conflictIndex,
        leaderTimeMs,
      });
    ack(3, 1_000);
    expect(leader.peerProgress().find((p) => p.id === 2)?.matchIndex).toBe(3);
    const appendsTo2 = () =>
      sent.filter((m) => m.type === 'AppendEntries' && m.to === 2) as Array<
        Extract<RaftMessage<string>, { type: 'AppendEntries' }>
      >;

    // A late answer to an older request (sent at 900): nothing below what 2 acknowledged is resent.
    const before = appendsTo2().length;
    refuse(1, 900);
    expect(leader.peerProgress().find((p) => p.id === 2)?.matchIndex).toBe(3);
    expect(
      appendsTo2()
        .slice(before)
        .every((m) => m.prevLogIndex >= 3),
    ).toBe(true);

    // A fresh answer from an empty log: the leader sends everything again, from index 1.
    clock.advance(100);
    refuse(1, 1_100);
    expect(leader.peerProgress().find((p) => p.id === 2)?.matchIndex).toBe(0);
    const resent = appendsTo2().at(-1)!;
    expect(resent.prevLogIndex).toBe(0);
    expect(resent.entries.map((e) => e.index)).toEqual([1, 2, 3]);
  });
});

describe('the Raft core takes time, randomness and timers only through its interfaces', () => {
  it('calls no Date.now, Math.random or bare timer outside the production clock', () => {
    const dir = new URL('.', import.meta.url).pathname;
    const core = readdirSync(dir).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'timer-clock.ts',
    );
    expect(core).toContain('raft-node.ts');
    for (const file of core) {
      const source = readFileSync(join(dir, file), 'utf8');
      expect(source, file).not.toMatch(/Date\.now|Math\.random|\bset(Timeout|Interval|Immediate)\(/);
    }
  });
});
