import type { RandomSource } from '../random-source.js';
import { majorityOf, type RaftConfig } from './raft-config.js';
import { NotLeaderError, RaftStorageError } from './raft-errors.js';
import { RaftLog } from './raft-log.js';
import type {
  AppendEntriesRequest,
  AppendEntriesResponse,
  InstallSnapshotRequest,
  InstallSnapshotResponse,
  PreVoteRequest,
  PreVoteResponse,
  RaftEntry,
  RaftMessage,
  RaftSnapshot,
  TimeoutNowRequest,
  VoteRequest,
  VoteResponse,
} from './raft-messages.js';
import type { PersistedRaftState, RaftStorage } from './raft-storage.js';
import type { RaftTransport } from './raft-transport.js';
import type { Timer, TimerClock } from './timer-clock.js';

export type RaftRole = 'follower' | 'precandidate' | 'candidate' | 'leader';

/**
 * The replicated state machine Raft drives. Its methods are called synchronously, in index
 * order, with committed entries only, so every voter computes the same states.
 */
export interface RaftStateMachine<C> {
  /** Applies the committed command at `index`. Must be deterministic and must not throw. */
  apply(index: number, command: C): void;
  /** A JSON snapshot of the state after the last applied index. */
  snapshot(): unknown;
  /** Replaces the state by a snapshot's (taken by {@link snapshot} on some voter). */
  restore(data: unknown): void;
}

/** How a proposal ended: committed at `index`, or refused (this voter does not lead). */
export type ProposalOutcome = { ok: true; index: number } | { ok: false; error: NotLeaderError };

/**
 * Deliberate protocol bugs, for tests that prove the simulation's checker catches them.
 * Never set outside tests.
 */
export interface RaftFaultInjection {
  /** Grants a vote to every candidate, even after voting for another in the same term. */
  grantEveryVote?: boolean;
  /** The leader commits its whole log as soon as it is durable locally, without a majority. */
  commitWithoutMajority?: boolean;
  /** Votes and acknowledgments leave before the writes they vouch for are durable. */
  sendBeforeFsync?: boolean;
}

export interface RaftNodeOptions<C> {
  /** This voter's id; one of `voters`. */
  id: number;
  /** Every voter's id (1, 3 or 5 of them), fixed for the life of the quorum. */
  voters: readonly number[];
  config: RaftConfig;
  clock: TimerClock;
  random: RandomSource;
  transport: RaftTransport<C>;
  storage: RaftStorage<C>;
  /** What the storage held when the voter started. */
  persisted: PersistedRaftState<C>;
  stateMachine: RaftStateMachine<C>;
  /** Called when storage fails; the voter has stopped by then. */
  onFatal?: (error: Error) => void;
  /**
   * Called after each committed entry is applied (no-ops too), in index order: where the
   * metadata store learns its applied index, and the simulation checks what committed.
   */
  onApplied?: (entry: RaftEntry<C>) => void;
  /**
   * Called when the role, term or known leader changes: where leader-only work (broker and
   * member sessions, producer-id blocks) starts and stops, and where metrics count leader
   * changes. Runs inside the input that caused it; do not call back into the node from it.
   */
  onStatusChange?: (status: RaftStatus) => void;
  faultInjection?: RaftFaultInjection;
}

/** A snapshot of a voter's Raft state, for status pages, metrics and the simulation's checks. */
export interface RaftStatus {
  id: number;
  role: RaftRole;
  term: number;
  votedFor: number | null;
  leaderId: number | null;
  commitIndex: number;
  lastApplied: number;
  lastIndex: number;
  snapshotIndex: number;
}

interface PendingProposal {
  term: number;
  callback: (outcome: ProposalOutcome) => void;
}

interface PendingSync {
  seq: number;
  /** The last log index when the sync was requested: durable once it calls back. */
  lastIndex: number;
}

/**
 * One Raft voter (Ongaro's thesis; Kafka's KRaft for the pre-vote and the quorum check).
 *
 * - Elections start with a pre-vote, so a voter cut off from the others does not raise its
 *   term and unseat a healthy leader when it comes back. A voter that heard from a leader
 *   less than an election timeout ago (or started less than one ago) refuses pre-votes and
 *   votes; that is what makes the leader's read lease safe.
 * - Every message that depends on a write (a granted vote, an AppendEntries ack, a request in
 *   a new term) leaves only after the storage's sync of that write called back.
 * - A leader counts an entry committed only when a majority (itself once its own fsync is
 *   done) holds it and it is of the leader's term; earlier entries commit through it (§5.4.2).
 *   Every new leader appends a no-op for that.
 * - A leader that has not heard from a majority for an election timeout steps down, and it
 *   serves reads only while its lease holds and after an entry of its term committed.
 * - A pre-vote refused only because this voter still hears from a leader is answered again,
 *   granted, the moment that lease runs out (if no leader spoke since): the voter that asked
 *   stands for election then, instead of waiting out a whole new election timeout.
 * - A leader being stopped hands its leadership over ({@link handOffLeadership}): it stops
 *   serving, brings the most caught-up voter up to its last entry, tells it to stand for
 *   election at once (TimeoutNow) and steps down; that election's votes are granted even by
 *   voters still within the old leader's lease, so a planned restart costs no election timeout.
 *
 * All input comes through {@link receive}, {@link propose} and the clock's timers; all work is
 * synchronous, so the same inputs in the same order give the same outputs.
 */
export class RaftNode<C> {
  private readonly id: number;
  private readonly voters: readonly number[];
  private readonly peers: readonly number[];
  private readonly config: RaftConfig;
  private readonly clock: TimerClock;
  private readonly random: RandomSource;
  private readonly transport: RaftTransport<C>;
  private readonly storage: RaftStorage<C>;
  private readonly stateMachine: RaftStateMachine<C>;
  private readonly faults: RaftFaultInjection;
  private readonly onFatal: (error: Error) => void;
  private readonly onApplied: (entry: RaftEntry<C>) => void;
  private readonly onStatusChange: (status: RaftStatus) => void;
  private lastReported = '';

  private currentTerm: number;
  private votedFor: number | null;
  private currentRole: RaftRole = 'follower';
  private leader: number | null = null;
  private readonly log: RaftLog<C>;
  private snapshot: RaftSnapshot | null;
  private committed: number;
  private applied: number;

  /** Votes (or pre-votes) received in the running election. */
  private votes = new Set<number>();
  /** Leader only: the next index to send, and the highest index known replicated, per peer. */
  private nextIndex = new Map<number, number>();
  private matchIndex = new Map<number, number>();
  /** Leader only: per peer, the send time of the latest request it answered in this term. */
  private ackedSendTime = new Map<number, number>();
  /** Leader only: when a snapshot last went to a peer that has not answered it yet. */
  private snapshotSentAt = new Map<number, number>();
  /** Leader only: index of its no-op; reads wait until it commits. */
  private termStartIndex = 0;
  private pendingProposals = new Map<number, PendingProposal>();
  /** Leader only: the voter leadership is being handed to, and since when (null: none). */
  private handOff: { to: number; sinceMs: number } | null = null;

  /** When this voter last heard from a current leader (or started): it refuses votes until an election timeout later. */
  private lastLeaderContact: number;
  private electionTimer: Timer | null = null;
  private heartbeatTimer: Timer | null = null;
  /** The latest pre-vote refused for this voter's lease alone, answered again when it ends. */
  private deferredPreVote: { request: PreVoteRequest; timer: Timer } | null = null;

  /** Durability: writes since the last sync call, syncs called / called back, and what each covers. */
  private unsyncedWrites = false;
  private syncsRequested = 0;
  private syncsDone = 0;
  private pendingSyncs: PendingSync[] = [];
  private durableLastIndex: number;
  /** Messages waiting for a sync: each may leave once `syncsDone >= afterSync`. */
  private outbox: Array<{ afterSync: number; message: RaftMessage<C> }> = [];
  private stopped = false;

  constructor(options: RaftNodeOptions<C>) {
    if (!options.voters.includes(options.id)) {
      throw new Error(`raft voter ${options.id} is not among the voters ${options.voters.join(',')}`);
    }
    if (![1, 3, 5].includes(options.voters.length)) {
      throw new Error(`a raft quorum has 1, 3 or 5 voters, not ${options.voters.length}`);
    }
    if (new Set(options.voters).size !== options.voters.length) {
      throw new Error(`raft voters must be distinct: ${options.voters.join(',')}`);
    }
    this.id = options.id;
    this.voters = [...options.voters];
    this.peers = this.voters.filter((v) => v !== options.id);
    this.config = options.config;
    this.clock = options.clock;
    this.random = options.random;
    this.transport = options.transport;
    this.storage = options.storage;
    this.stateMachine = options.stateMachine;
    this.faults = options.faultInjection ?? {};
    this.onFatal = options.onFatal ?? (() => undefined);
    this.onApplied = options.onApplied ?? (() => undefined);
    this.onStatusChange = options.onStatusChange ?? (() => undefined);

    const persisted = options.persisted;
    this.currentTerm = persisted.term;
    this.votedFor = persisted.votedFor;
    this.snapshot = persisted.snapshot;
    this.log = new RaftLog(persisted.snapshot, persisted.entries);
    if (persisted.snapshot) this.stateMachine.restore(persisted.snapshot.data);
    // The commit index is not stored: what the snapshot covers is committed, the rest is
    // learnt again from the leader.
    this.committed = this.log.snapshotIndex;
    this.applied = this.log.snapshotIndex;
    this.durableLastIndex = this.log.lastIndex;
    this.lastLeaderContact = this.clock.nowMs();
  }

  /**
   * Starts the election timer and begins listening. A lone voter stands for election at once:
   * nobody else can lead, so there is no lease to wait out.
   */
  start(): void {
    this.transport.listen((message) => this.receive(message));
    if (this.peers.length === 0) {
      this.startPreVote();
      this.afterInput();
      return;
    }
    this.resetElectionTimer();
  }

  /** Stops timers; later messages and proposals are ignored. Pending proposals fail. */
  stop(): void {
    this.stopped = true;
    this.electionTimer?.cancel();
    this.heartbeatTimer?.cancel();
    this.dropDeferredPreVote();
    this.failPendingProposals('voter stopped');
  }

  /** False once stopped (by {@link stop} or a storage failure). */
  get running(): boolean {
    return !this.stopped;
  }

  get role(): RaftRole {
    return this.currentRole;
  }

  get term(): number {
    return this.currentTerm;
  }

  get leaderId(): number | null {
    return this.leader;
  }

  /** The voter this leader is handing its leadership to ({@link handOffLeadership}), if any. */
  get handOffTarget(): number | null {
    return this.handOff?.to ?? null;
  }

  get commitIndex(): number {
    return this.committed;
  }

  get lastApplied(): number {
    return this.applied;
  }

  status(): RaftStatus {
    return {
      id: this.id,
      role: this.currentRole,
      term: this.currentTerm,
      votedFor: this.votedFor,
      leaderId: this.leader,
      commitIndex: this.committed,
      lastApplied: this.applied,
      lastIndex: this.log.lastIndex,
      snapshotIndex: this.log.snapshotIndex,
    };
  }

  /**
   * Leader only: what it knows of each other voter (the highest index known replicated there,
   * and when that voter last answered a request, by the send time it echoed); empty on a
   * voter that does not lead.
   */
  peerProgress(): Array<{ id: number; matchIndex: number; lastAckMs: number | null }> {
    if (this.currentRole !== 'leader') return [];
    return this.peers.map((id) => {
      const acked = this.ackedSendTime.get(id);
      return {
        id,
        matchIndex: this.matchIndex.get(id) ?? 0,
        lastAckMs: acked === undefined || !Number.isFinite(acked) ? null : acked,
      };
    });
  }

  /**
   * True while this voter is in touch with a majority: as leader, a majority answered within
   * an election timeout; as follower, it heard from a leader within one. False once stopped.
   */
  inContactWithQuorum(): boolean {
    if (this.stopped) return false;
    const now = this.clock.nowMs();
    if (this.currentRole === 'leader') {
      return now - this.majorityContactTime() < this.config.electionTimeoutMs;
    }
    return this.leader !== null && now - this.lastLeaderContact < this.config.electionTimeoutMs;
  }

  /** The entry at `index`, if held in the log (not folded into the snapshot). */
  entryAt(index: number): RaftEntry<C> | undefined {
    return this.log.entry(index);
  }

  /** The term of the entry at `index`, when held or at the snapshot's edge. */
  termAt(index: number): number | undefined {
    return this.log.termAt(index);
  }

  /** The latest snapshot this voter holds. */
  latestSnapshot(): RaftSnapshot | null {
    return this.snapshot;
  }

  /**
   * True when this voter may answer reads from its applied state without them going back in
   * time: it leads, an entry of its term committed (so it has applied everything any earlier
   * leader committed) and a majority acknowledged it within the lease.
   */
  canServeReads(): boolean {
    if (this.stopped || this.currentRole !== 'leader' || this.handOff !== null) return false;
    if (this.committed < this.termStartIndex || this.applied < this.committed) return false;
    return this.clock.nowMs() < this.majorityContactTime() + this.config.leaseMs;
  }

  /**
   * Appends `command` if this voter leads; `callback` gets the index once a majority holds
   * it durably and it is applied here, or a {@link NotLeaderError} (at once when not leading,
   * later when the leader steps down first: then the entry may still commit).
   */
  propose(command: C, callback: (outcome: ProposalOutcome) => void): void {
    if (this.stopped || this.currentRole !== 'leader') {
      callback({ ok: false, error: new NotLeaderError(this.leader, `voter ${this.id} is not the leader`) });
      return;
    }
    if (this.handOff !== null) {
      callback({
        ok: false,
        error: new NotLeaderError(
          this.handOff.to,
          `voter ${this.id} is handing its leadership to voter ${this.handOff.to}`,
        ),
      });
      return;
    }
    const entry: RaftEntry<C> = { index: this.log.lastIndex + 1, term: this.currentTerm, command };
    this.appendLocally(entry);
    this.pendingProposals.set(entry.index, { term: entry.term, callback });
    for (const peer of this.peers) this.sendAppend(peer);
    this.afterInput();
  }

  /** {@link propose} as a promise: resolves with the committed index, rejects with NotLeaderError. */
  proposeAsync(command: C): Promise<number> {
    return new Promise((resolve, reject) => {
      this.propose(command, (outcome) => (outcome.ok ? resolve(outcome.index) : reject(outcome.error)));
    });
  }

  /**
   * Leader only: hands the leadership to the voter that holds the most of the log among those
   * that answered within an election timeout (Raft thesis §3.10), for a planned stop. From now
   * on this voter takes no proposals and serves no reads; once the chosen voter acknowledged
   * every entry it gets a TimeoutNow and this voter steps down. Returns the chosen voter, or
   * null when there is none (not leading, alone, nobody in touch). A hand-off that has not
   * finished within an election timeout is abandoned and this voter leads on (no TimeoutNow
   * left, so nobody else can have been elected through it).
   */
  handOffLeadership(): number | null {
    if (this.stopped || this.currentRole !== 'leader') return null;
    if (this.handOff !== null) return this.handOff.to;
    const now = this.clock.nowMs();
    const inTouch = this.peers.filter(
      (p) => now - (this.ackedSendTime.get(p) ?? -Infinity) < this.config.electionTimeoutMs,
    );
    if (inTouch.length === 0) return null;
    const to = inTouch.reduce((best, p) =>
      (this.matchIndex.get(p) ?? 0) > (this.matchIndex.get(best) ?? 0) ? p : best,
    );
    this.handOff = { to, sinceMs: now };
    if (!this.finishHandOff()) this.sendAppend(to);
    this.afterInput();
    return to;
  }

  /** Handles one message from a peer. */
  receive(message: RaftMessage<C>): void {
    if (this.stopped || message.to !== this.id || !this.peers.includes(message.from)) return;
    switch (message.type) {
      case 'PreVote':
        this.onPreVote(message);
        break;
      case 'PreVoteResponse':
        this.onPreVoteResponse(message);
        break;
      case 'Vote':
        this.onVote(message);
        break;
      case 'VoteResponse':
        this.onVoteResponse(message);
        break;
      case 'AppendEntries':
        this.onAppendEntries(message);
        break;
      case 'AppendEntriesResponse':
        this.onAppendEntriesResponse(message);
        break;
      case 'InstallSnapshot':
        this.onInstallSnapshot(message);
        break;
      case 'InstallSnapshotResponse':
        this.onInstallSnapshotResponse(message);
        break;
      case 'TimeoutNow':
        this.onTimeoutNow(message);
        break;
    }
    this.afterInput();
  }

  // --- elections -------------------------------------------------------------------------

  private onElectionTimeout(): void {
    if (this.stopped || this.currentRole === 'leader') return;
    this.startPreVote();
    this.afterInput();
  }

  private startPreVote(): void {
    this.currentRole = 'precandidate';
    this.leader = null;
    this.votes = new Set([this.id]);
    this.resetElectionTimer();
    if (this.votes.size >= majorityOf(this.voters.length)) {
      this.startElection();
      return;
    }
    for (const peer of this.peers) {
      this.send({
        type: 'PreVote',
        from: this.id,
        to: peer,
        term: this.currentTerm + 1,
        lastLogIndex: this.log.lastIndex,
        lastLogTerm: this.log.lastTerm,
      });
    }
  }

  private startElection(leadershipTransfer = false): void {
    this.currentRole = 'candidate';
    this.leader = null;
    this.currentTerm += 1;
    this.votedFor = this.id;
    this.storage.saveTermAndVote(this.currentTerm, this.id);
    this.unsyncedWrites = true;
    this.votes = new Set([this.id]);
    this.resetElectionTimer();
    if (this.votes.size >= majorityOf(this.voters.length)) {
      this.becomeLeader();
      return;
    }
    for (const peer of this.peers) {
      this.send({
        type: 'Vote',
        from: this.id,
        to: peer,
        term: this.currentTerm,
        lastLogIndex: this.log.lastIndex,
        lastLogTerm: this.log.lastTerm,
        ...(leadershipTransfer ? { leadershipTransfer: true } : {}),
      });
    }
  }

  /** True while this voter believes a leader is alive (or just started): it then refuses to vote. */
  private inLeaderLease(): boolean {
    if (this.currentRole === 'leader') return true;
    return this.clock.nowMs() - this.lastLeaderContact < this.config.electionTimeoutMs;
  }

  private onPreVote(request: PreVoteRequest): void {
    const eligible =
      request.term > this.currentTerm && this.log.isUpToDate(request.lastLogTerm, request.lastLogIndex);
    const granted = eligible && !this.inLeaderLease();
    if (eligible && !granted && this.currentRole !== 'leader') this.deferPreVote(request);
    this.send({
      type: 'PreVoteResponse',
      from: this.id,
      to: request.from,
      term: granted ? request.term : this.currentTerm,
      granted,
    });
  }

  /**
   * Answers `request` again when this voter's lease of its leader ends. Both sides' leases end
   * about together (they heard the same heartbeats), but a pre-vote sent a few ms before the
   * other voter's ended was refused, and its sender would wait 1 to 2 more election timeouts.
   */
  private deferPreVote(request: PreVoteRequest): void {
    this.dropDeferredPreVote();
    const leaseEndsIn = this.lastLeaderContact + this.config.electionTimeoutMs - this.clock.nowMs();
    const timer = this.clock.setTimer(Math.max(1, leaseEndsIn), () => this.onDeferredPreVote());
    this.deferredPreVote = { request, timer };
  }

  private onDeferredPreVote(): void {
    const deferred = this.deferredPreVote;
    this.deferredPreVote = null;
    if (!deferred || this.stopped) return;
    const { request } = deferred;
    // Exactly the checks of a fresh pre-vote: a leader heard since, a newer term, or a longer
    // log here means no grant (and then nothing is sent: the asker's own timer goes on).
    if (
      request.term <= this.currentTerm ||
      this.inLeaderLease() ||
      !this.log.isUpToDate(request.lastLogTerm, request.lastLogIndex)
    ) {
      return;
    }
    this.send({
      type: 'PreVoteResponse',
      from: this.id,
      to: request.from,
      term: request.term,
      granted: true,
    });
    // Give the voter just endorsed a whole timeout to win before standing ourselves: both
    // standing in the same term would split the vote.
    this.resetElectionTimer();
    this.afterInput();
  }

  private dropDeferredPreVote(): void {
    this.deferredPreVote?.timer.cancel();
    this.deferredPreVote = null;
  }

  private onPreVoteResponse(response: PreVoteResponse): void {
    if (response.term > this.currentTerm + 1 || (!response.granted && response.term > this.currentTerm)) {
      this.becomeFollower(response.term, null);
      return;
    }
    if (this.currentRole !== 'precandidate' || !response.granted || response.term !== this.currentTerm + 1)
      return;
    this.votes.add(response.from);
    if (this.votes.size >= majorityOf(this.voters.length)) this.startElection();
  }

  private onVote(request: VoteRequest): void {
    // Leader stickiness: a voter that hears from a leader ignores candidates entirely (no
    // term bump), so the leader's lease holds and a returning voter cannot unseat it. Not for
    // an election that leader asked for: it stopped serving before it did.
    if (request.term > this.currentTerm && this.inLeaderLease() && request.leadershipTransfer !== true) {
      this.send({
        type: 'VoteResponse',
        from: this.id,
        to: request.from,
        term: this.currentTerm,
        granted: false,
      });
      return;
    }
    if (request.term > this.currentTerm) this.becomeFollower(request.term, null);
    const mayVote =
      this.faults.grantEveryVote === true || this.votedFor === null || this.votedFor === request.from;
    const granted =
      request.term === this.currentTerm &&
      this.currentRole === 'follower' &&
      mayVote &&
      this.log.isUpToDate(request.lastLogTerm, request.lastLogIndex);
    if (granted) {
      this.votedFor = request.from;
      this.storage.saveTermAndVote(this.currentTerm, request.from);
      this.unsyncedWrites = true;
      this.resetElectionTimer();
    }
    this.send({ type: 'VoteResponse', from: this.id, to: request.from, term: this.currentTerm, granted });
  }

  private onVoteResponse(response: VoteResponse): void {
    if (response.term > this.currentTerm) {
      this.becomeFollower(response.term, null);
      return;
    }
    if (this.currentRole !== 'candidate' || response.term !== this.currentTerm || !response.granted) return;
    this.votes.add(response.from);
    if (this.votes.size >= majorityOf(this.voters.length)) this.becomeLeader();
  }

  /** A leader handing over asks this voter to stand now; anyone else's TimeoutNow is ignored. */
  private onTimeoutNow(request: TimeoutNowRequest): void {
    if (
      request.term !== this.currentTerm ||
      this.currentRole !== 'follower' ||
      this.leader !== request.from
    ) {
      return;
    }
    this.startElection(true);
  }

  private becomeFollower(term: number, leader: number | null): void {
    const wasLeader = this.currentRole === 'leader';
    this.handOff = null;
    if (term > this.currentTerm) {
      this.currentTerm = term;
      this.votedFor = null;
      this.storage.saveTermAndVote(term, null);
      this.unsyncedWrites = true;
    }
    this.currentRole = 'follower';
    this.leader = leader;
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
    if (wasLeader) {
      this.failPendingProposals(`voter ${this.id} stepped down as leader`);
      this.resetElectionTimer();
    } else if (this.electionTimer === null) {
      this.resetElectionTimer();
    }
  }

  private becomeLeader(): void {
    this.currentRole = 'leader';
    this.leader = this.id;
    this.handOff = null;
    this.electionTimer?.cancel();
    this.electionTimer = null;
    const now = this.clock.nowMs();
    for (const peer of this.peers) {
      this.nextIndex.set(peer, this.log.lastIndex + 1);
      this.matchIndex.set(peer, 0);
      // A grace period: peers count as heard from now, so the quorum check starts afresh.
      this.ackedSendTime.set(peer, now);
      this.snapshotSentAt.delete(peer);
    }
    const noop: RaftEntry<C> = { index: this.log.lastIndex + 1, term: this.currentTerm, command: null };
    this.termStartIndex = noop.index;
    this.appendLocally(noop);
    for (const peer of this.peers) this.sendAppend(peer);
    this.scheduleHeartbeat();
  }

  // --- replication (leader) --------------------------------------------------------------

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.clock.setTimer(this.config.heartbeatIntervalMs, () => this.onHeartbeat());
  }

  private onHeartbeat(): void {
    if (this.stopped || this.currentRole !== 'leader') return;
    if (this.clock.nowMs() - this.majorityContactTime() >= this.config.electionTimeoutMs) {
      // Cut off from a majority: stop acting as leader, so clients go look for the real one.
      this.becomeFollower(this.currentTerm, null);
    } else {
      if (
        this.handOff !== null &&
        this.clock.nowMs() - this.handOff.sinceMs >= this.config.electionTimeoutMs
      ) {
        this.handOff = null;
      }
      for (const peer of this.peers) this.sendAppend(peer);
      this.scheduleHeartbeat();
    }
    this.afterInput();
  }

  /** The newest time a majority (this voter included, at "now") was known to be in touch. */
  private majorityContactTime(): number {
    const times = [this.clock.nowMs(), ...this.peers.map((p) => this.ackedSendTime.get(p) ?? -Infinity)];
    times.sort((a, b) => b - a);
    return times[majorityOf(this.voters.length) - 1] as number;
  }

  private sendAppend(peer: number): void {
    const next = this.nextIndex.get(peer) ?? this.log.lastIndex + 1;
    const now = this.clock.nowMs();
    if (next <= this.log.snapshotIndex && this.snapshot) {
      // The whole state goes in one message: resend it only when an election timeout passed
      // without an answer, not on every heartbeat to a peer that is down or paused.
      const sentAt = this.snapshotSentAt.get(peer);
      if (sentAt !== undefined && now - sentAt < this.config.electionTimeoutMs) return;
      this.snapshotSentAt.set(peer, now);
      this.send({
        type: 'InstallSnapshot',
        from: this.id,
        to: peer,
        term: this.currentTerm,
        snapshot: this.snapshot,
        leaderTimeMs: now,
      });
      return;
    }
    const prevLogIndex = next - 1;
    const last = Math.min(this.log.lastIndex, prevLogIndex + this.config.maxEntriesPerAppend);
    this.send({
      type: 'AppendEntries',
      from: this.id,
      to: peer,
      term: this.currentTerm,
      prevLogIndex,
      prevLogTerm: this.log.termAt(prevLogIndex) ?? 0,
      entries: this.log.slice(next, last),
      leaderCommit: this.committed,
      leaderTimeMs: now,
    });
  }

  private onAppendEntriesResponse(response: AppendEntriesResponse): void {
    if (response.term > this.currentTerm) {
      this.becomeFollower(response.term, null);
      return;
    }
    if (this.currentRole !== 'leader' || response.term !== this.currentTerm) return;
    const peer = response.from;
    // Answers a request at least as new as any answered before (not a late or duplicated one).
    const fresh = response.leaderTimeMs >= (this.ackedSendTime.get(peer) ?? -Infinity);
    this.noteAck(peer, response.leaderTimeMs);
    const match = this.matchIndex.get(peer) ?? 0;
    if (response.success) {
      this.recordMatch(peer, response.matchIndex);
    } else if (fresh && response.conflictTerm === null && response.conflictIndex <= match) {
      // The peer's log ends below what it acknowledged as durable: its disk was replaced (an
      // empty voter with the old id). Start it over from what it now holds.
      this.matchIndex.set(peer, Math.max(0, response.conflictIndex - 1));
      this.nextIndex.set(peer, Math.max(1, response.conflictIndex));
      this.snapshotSentAt.delete(peer);
      this.sendAppend(peer);
    } else {
      let next = response.conflictIndex;
      if (response.conflictTerm !== null) {
        const lastOfTerm = this.log.lastIndexOfTerm(response.conflictTerm);
        if (lastOfTerm !== undefined) next = lastOfTerm + 1;
      }
      this.nextIndex.set(peer, Math.max(match + 1, Math.min(next, this.log.lastIndex + 1)));
      this.sendAppend(peer);
    }
  }

  private onInstallSnapshotResponse(response: InstallSnapshotResponse): void {
    if (response.term > this.currentTerm) {
      this.becomeFollower(response.term, null);
      return;
    }
    if (this.currentRole !== 'leader' || response.term !== this.currentTerm) return;
    this.noteAck(response.from, response.leaderTimeMs);
    this.snapshotSentAt.delete(response.from);
    this.recordMatch(response.from, response.matchIndex);
  }

  private noteAck(peer: number, sentAt: number): void {
    this.ackedSendTime.set(peer, Math.max(this.ackedSendTime.get(peer) ?? -Infinity, sentAt));
  }

  private recordMatch(peer: number, index: number): void {
    // Responses can arrive late or twice: what a peer is known to hold only grows.
    const before = this.matchIndex.get(peer) ?? 0;
    const match = Math.max(before, index);
    this.matchIndex.set(peer, match);
    this.nextIndex.set(peer, Math.max(this.nextIndex.get(peer) ?? 0, match + 1));
    this.advanceCommitIndex();
    if (this.handOff?.to === peer && this.finishHandOff()) return;
    // Only an answer that taught something sends the rest: answering late or duplicated
    // answers too kept dozens of copies of the same entries bouncing between two voters
    // (commits waited tens of ms behind them). What is lost is resent by the next heartbeat.
    if (match > before && (this.nextIndex.get(peer) ?? 0) <= this.log.lastIndex) this.sendAppend(peer);
  }

  /**
   * Sends TimeoutNow and steps down once the voter leadership goes to holds every entry; true
   * when it did. Stepping down at once keeps this voter from serving a read after any voter
   * may have granted the transfer's votes.
   */
  private finishHandOff(): boolean {
    if (this.handOff === null || this.currentRole !== 'leader') return false;
    const to = this.handOff.to;
    if ((this.matchIndex.get(to) ?? 0) < this.log.lastIndex) return false;
    this.send({ type: 'TimeoutNow', from: this.id, to, term: this.currentTerm });
    this.becomeFollower(this.currentTerm, null);
    return true;
  }

  private advanceCommitIndex(): void {
    if (this.currentRole !== 'leader') return;
    let candidate: number;
    if (this.faults.commitWithoutMajority === true) {
      candidate = this.durableLastIndex;
    } else {
      const matches = [this.durableLastIndex, ...this.peers.map((p) => this.matchIndex.get(p) ?? 0)];
      matches.sort((a, b) => b - a);
      candidate = matches[majorityOf(this.voters.length) - 1] as number;
    }
    // Only an entry of the current term commits by counting replicas (§5.4.2); earlier ones
    // commit with it, as the log matching property makes them identical everywhere it is.
    if (candidate > this.committed && this.log.termAt(candidate) === this.currentTerm) {
      this.commitTo(candidate);
    }
  }

  // --- replication (follower) ------------------------------------------------------------

  /** Common checks of a leader's request; false when it comes from a stale leader. */
  private acceptLeader(from: number, term: number): boolean {
    if (term < this.currentTerm) return false;
    if (term > this.currentTerm || this.currentRole !== 'follower' || this.leader !== from) {
      this.becomeFollower(term, from);
    }
    this.lastLeaderContact = this.clock.nowMs();
    this.resetElectionTimer();
    this.dropDeferredPreVote();
    return true;
  }

  private onAppendEntries(request: AppendEntriesRequest<C>): void {
    const reply = (
      fields: Pick<AppendEntriesResponse, 'success' | 'matchIndex' | 'conflictTerm' | 'conflictIndex'>,
    ) =>
      this.send({
        type: 'AppendEntriesResponse',
        from: this.id,
        to: request.from,
        term: this.currentTerm,
        leaderTimeMs: request.leaderTimeMs,
        ...fields,
      });
    if (!this.acceptLeader(request.from, request.term)) {
      reply({ success: false, matchIndex: 0, conflictTerm: null, conflictIndex: 0 });
      return;
    }
    let prevLogIndex = request.prevLogIndex;
    let prevLogTerm = request.prevLogTerm;
    let entries = request.entries;
    if (prevLogIndex < this.log.snapshotIndex) {
      // The snapshot covers committed entries, which match the leader's: skip them.
      entries = entries.filter((e) => e.index > this.log.snapshotIndex);
      prevLogIndex = this.log.snapshotIndex;
      prevLogTerm = this.log.snapshotTerm;
      if (request.prevLogIndex + request.entries.length < this.log.snapshotIndex) {
        reply({
          success: true,
          matchIndex: request.prevLogIndex + request.entries.length,
          conflictTerm: null,
          conflictIndex: 0,
        });
        return;
      }
    }
    const localPrevTerm = this.log.termAt(prevLogIndex);
    if (localPrevTerm !== prevLogTerm) {
      if (localPrevTerm === undefined) {
        reply({ success: false, matchIndex: 0, conflictTerm: null, conflictIndex: this.log.lastIndex + 1 });
      } else {
        const conflictIndex = this.log.firstIndexOfTerm(localPrevTerm, prevLogIndex);
        reply({ success: false, matchIndex: 0, conflictTerm: localPrevTerm, conflictIndex });
      }
      return;
    }
    const appended: RaftEntry<C>[] = [];
    for (const entry of entries) {
      const localTerm = this.log.termAt(entry.index);
      if (localTerm === entry.term) continue;
      if (localTerm !== undefined) {
        if (entry.index <= this.committed) {
          throw new Error(
            `raft voter ${this.id}: leader ${request.from} conflicts with committed entry ${entry.index}`,
          );
        }
        this.log.truncateFrom(entry.index);
        this.storage.truncateFrom(entry.index);
        this.clampDurable(entry.index - 1);
      }
      this.log.append(entry);
      appended.push(entry);
    }
    if (appended.length > 0) {
      this.storage.append(appended);
      this.unsyncedWrites = true;
    }
    const matchIndex = prevLogIndex + entries.length;
    const commit = Math.min(request.leaderCommit, matchIndex);
    if (commit > this.committed) this.commitTo(commit);
    reply({ success: true, matchIndex, conflictTerm: null, conflictIndex: 0 });
  }

  private onInstallSnapshot(request: InstallSnapshotRequest): void {
    const reply = (matchIndex: number) =>
      this.send({
        type: 'InstallSnapshotResponse',
        from: this.id,
        to: request.from,
        term: this.currentTerm,
        matchIndex,
        leaderTimeMs: request.leaderTimeMs,
      });
    if (!this.acceptLeader(request.from, request.term)) {
      reply(0);
      return;
    }
    const snapshot = request.snapshot;
    if (snapshot.index <= this.committed) {
      // Already past it: the committed prefix matches the leader's.
      reply(snapshot.index);
      return;
    }
    const keepsSuffix = this.log.termAt(snapshot.index) === snapshot.term;
    this.log.resetTo(snapshot);
    this.storage.saveSnapshot(snapshot);
    if (!keepsSuffix) {
      this.storage.truncateFrom(snapshot.index + 1);
      this.clampDurable(snapshot.index);
    }
    this.unsyncedWrites = true;
    this.snapshot = snapshot;
    this.stateMachine.restore(snapshot.data);
    this.committed = snapshot.index;
    this.applied = snapshot.index;
    reply(snapshot.index);
  }

  // --- log, commit, apply ----------------------------------------------------------------

  private appendLocally(entry: RaftEntry<C>): void {
    this.log.append(entry);
    this.storage.append([entry]);
    this.unsyncedWrites = true;
  }

  /** After a truncation, what is durable matches this log only up to `index`. */
  private clampDurable(index: number): void {
    this.durableLastIndex = Math.min(this.durableLastIndex, index);
    for (const pending of this.pendingSyncs) pending.lastIndex = Math.min(pending.lastIndex, index);
  }

  private commitTo(index: number): void {
    this.committed = index;
    while (this.applied < this.committed) {
      const entry = this.log.entry(this.applied + 1);
      if (!entry) throw new Error(`raft voter ${this.id}: committed entry ${this.applied + 1} is missing`);
      if (entry.command !== null) this.stateMachine.apply(entry.index, entry.command);
      this.applied = entry.index;
      this.onApplied(entry);
      const pending = this.pendingProposals.get(entry.index);
      if (pending) {
        this.pendingProposals.delete(entry.index);
        pending.callback(
          pending.term === entry.term
            ? { ok: true, index: entry.index }
            : { ok: false, error: new NotLeaderError(this.leader, `entry ${entry.index} was replaced`) },
        );
      }
    }
    this.maybeSnapshot();
  }

  private maybeSnapshot(): void {
    if (this.applied - this.log.snapshotIndex < this.config.snapshotEveryEntries) return;
    const snapshot: RaftSnapshot = {
      index: this.applied,
      term: this.log.termAt(this.applied) as number,
      data: this.stateMachine.snapshot(),
    };
    this.log.resetTo(snapshot);
    this.storage.saveSnapshot(snapshot);
    this.unsyncedWrites = true;
    this.snapshot = snapshot;
  }

  private failPendingProposals(reason: string): void {
    const pending = [...this.pendingProposals.values()];
    this.pendingProposals.clear();
    for (const p of pending) p.callback({ ok: false, error: new NotLeaderError(this.leader, reason) });
  }

  // --- durability and sending ------------------------------------------------------------

  private send(message: RaftMessage<C>): void {
    const afterSync = this.unsyncedWrites ? this.syncsRequested + 1 : this.syncsRequested;
    if (afterSync <= this.syncsDone || this.faults.sendBeforeFsync === true) this.transport.send(message);
    else this.outbox.push({ afterSync, message });
  }

  /** Ends every input: reports a status change, and one sync covers all the writes it made (group commit). */
  private afterInput(): void {
    const reported = `${this.currentRole} ${this.currentTerm} ${String(this.leader)}`;
    if (reported !== this.lastReported) {
      this.lastReported = reported;
      this.onStatusChange(this.status());
    }
    if (!this.unsyncedWrites || this.stopped) return;
    this.unsyncedWrites = false;
    const seq = ++this.syncsRequested;
    this.pendingSyncs.push({ seq, lastIndex: this.log.lastIndex });
    this.storage.sync((error) => this.onSynced(seq, error));
  }

  private onSynced(seq: number, error: Error | undefined): void {
    if (this.stopped) return;
    if (error) {
      this.stop();
      this.onFatal(new RaftStorageError(error));
      return;
    }
    this.syncsDone = seq;
    while (this.pendingSyncs.length > 0 && (this.pendingSyncs[0] as PendingSync).seq <= seq) {
      const done = this.pendingSyncs.shift() as PendingSync;
      this.durableLastIndex = done.lastIndex;
    }
    const ready = this.outbox.filter((m) => m.afterSync <= seq);
    this.outbox = this.outbox.filter((m) => m.afterSync > seq);
    for (const { message } of ready) this.transport.send(message);
    this.advanceCommitIndex();
    this.afterInput();
  }

  private resetElectionTimer(): void {
    this.electionTimer?.cancel();
    const timeout = this.config.electionTimeoutMs + this.random.int(this.config.electionTimeoutMs);
    this.electionTimer = this.clock.setTimer(timeout, () => this.onElectionTimeout());
  }
}
