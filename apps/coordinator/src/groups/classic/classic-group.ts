import type { Clock } from '../../liveness/clock.js';
import { ClassicErrorCode, type ClassicOutcome, ok } from './classic-errors.js';

/** Kafka's classic group states. */
export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface ClassicProtocol {
  name: string;
  metadata: Buffer;
}

/** A JoinGroup as the group sees it. */
export interface JoinInput {
  memberId: string;
  instanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: ClassicProtocol[];
}

export interface JoinResult extends ClassicOutcome {
  generationId: number;
  protocolType: string;
  protocolName: string;
  leader: string;
  memberId: string;
  /** Only for the leader: every member with its metadata for the chosen protocol. */
  members: Array<{ memberId: string; instanceId: string; metadata: Buffer }>;
}

export interface SyncResult extends ClassicOutcome {
  protocolType: string;
  protocolName: string;
  assignment: Buffer;
}

/** One member of a classic group. */
export interface ClassicMember {
  readonly memberId: string;
  instanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: ClassicProtocol[];
  /** The assignment the leader gave it in the current generation. */
  assignment: Buffer;
  lastSeenMs: number;
  /** An unanswered JoinGroup (the member waits for the rebalance to complete). */
  pendingJoin?: ((result: JoinResult) => void) | undefined;
  /** An unanswered SyncGroup (a follower waits for the leader's assignment). */
  pendingSync?: ((result: SyncResult) => void) | undefined;
}

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * The classic group protocol (Kafka's JoinGroup/SyncGroup rebalance) for one group, in memory:
 * members join, the coordinator waits until every known member rejoined (or the rebalance
 * timeout passed, dropping the others), bumps the generation, picks the protocol all members
 * support that most prefer, and hands the member list to the leader, which assigns partitions
 * client-side and sends the assignments with its SyncGroup. Members that miss their session
 * timeout are removed, which starts a rebalance. Time comes from the injected clock; `tick`
 * applies deadlines.
 */
export class ClassicGroup {
  state: ClassicGroupState = 'Empty';
  generationId = 0;
  protocolType = '';
  protocolName = '';
  leaderId = '';
  readonly members = new Map<string, ClassicMember>();
  #rebalanceDeadlineMs = 0;

  constructor(
    readonly groupId: string,
    private readonly clock: Clock,
    private readonly newMemberId: (clientId: string) => string,
  ) {}

  /** JoinGroup: resolves when the rebalance it joins completes (or at once with an error). */
  join(input: JoinInput): Promise<JoinResult> {
    const refusal = this.#joinRefusal(input);
    if (refusal) return Promise.resolve(this.#joinAnswer(refusal, input.memberId));
    const now = this.clock.nowMs();
    const memberId = input.memberId === '' ? this.newMemberId(input.clientId) : input.memberId;
    const existing = this.members.get(memberId);
    const unchanged = existing !== undefined && sameProtocols(existing.protocols, input.protocols);
    const member: ClassicMember = existing ?? {
      memberId,
      instanceId: input.instanceId,
      clientId: input.clientId,
      clientHost: input.clientHost,
      sessionTimeoutMs: input.sessionTimeoutMs,
      rebalanceTimeoutMs: input.rebalanceTimeoutMs,
      protocolType: input.protocolType,
      protocols: input.protocols,
      assignment: EMPTY,
      lastSeenMs: now,
    };
    Object.assign(member, {
      clientId: input.clientId,
      clientHost: input.clientHost,
      sessionTimeoutMs: input.sessionTimeoutMs,
      rebalanceTimeoutMs: input.rebalanceTimeoutMs,
      protocols: input.protocols,
      lastSeenMs: now,
    });
    this.members.set(memberId, member);
    // A follower rejoining a stable group with nothing new learns the current generation.
    if (this.state === 'Stable' && unchanged && memberId !== this.leaderId) {
      return Promise.resolve(this.#joinAnswer(ok, memberId));
    }
    member.pendingJoin?.(
      this.#joinAnswer(rebalancing('a newer JoinGroup of the member replaced this one'), memberId),
    );
    const answer = new Promise<JoinResult>((resolve) => {
      member.pendingJoin = resolve;
    });
    if (this.state !== 'PreparingRebalance') this.#prepareRebalance();
    this.#completeJoinIfReady();
    return answer;
  }

  /** SyncGroup: the leader's assignments complete the rebalance; followers wait for them. */
  sync(
    generationId: number,
    memberId: string,
    assignments: ReadonlyMap<string, Buffer>,
  ): Promise<SyncResult> {
    const member = this.members.get(memberId);
    const answer = (outcome: ClassicOutcome, assignment = EMPTY): SyncResult => ({
      ...outcome,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      assignment,
    });
    const problem = this.#memberProblem(generationId, memberId);
    if (problem) return Promise.resolve(answer(problem));
    member!.lastSeenMs = this.clock.nowMs();
    if (this.state === 'PreparingRebalance')
      return Promise.resolve(answer(rebalancing('the group is rebalancing')));
    if (this.state === 'Stable') return Promise.resolve(answer(ok, member!.assignment));
    const result = new Promise<SyncResult>((resolve) => {
      member!.pendingSync = (r) => resolve(r);
    });
    if (memberId === this.leaderId) {
      for (const m of this.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY;
      this.state = 'Stable';
      for (const m of this.members.values()) {
        const pending = m.pendingSync;
        m.pendingSync = undefined;
        m.lastSeenMs = this.clock.nowMs();
        pending?.(answer(ok, m.assignment));
      }
    }
    return result;
  }

  /** Heartbeat: keeps the session; REBALANCE_IN_PROGRESS tells the member to rejoin. */
  heartbeat(generationId: number, memberId: string): ClassicOutcome {
    const problem = this.#memberProblem(generationId, memberId);
    if (problem) return problem;
    this.members.get(memberId)!.lastSeenMs = this.clock.nowMs();
    return this.state === 'PreparingRebalance' ? rebalancing('the group is rebalancing; rejoin') : ok;
  }

  /** LeaveGroup: removes the members (by id, or by instance id for static members). */
  leave(leaving: ReadonlyArray<{ memberId: string; instanceId: string | null }>): ClassicOutcome[] {
    const results = leaving.map((l) => {
      const member =
        this.members.get(l.memberId) ??
        (l.instanceId ? [...this.members.values()].find((m) => m.instanceId === l.instanceId) : undefined);
      if (!member) return unknownMember(l.memberId, this.groupId);
      this.#remove(member, 'left the group');
      return ok;
    });
    if (results.some((r) => r.errorCode === ClassicErrorCode.NONE)) this.#membershipChanged();
    return results;
  }

  /**
   * Whether a member may commit offsets now: Kafka accepts commits in Stable and
   * PreparingRebalance, refuses them while the assignment is being synced. A commit with
   * generation -1 and no member id is a simple commit, only to a group without members.
   */
  commitProblem(generationId: number, memberId: string): ClassicOutcome | undefined {
    if (generationId < 0 && memberId === '') {
      return this.members.size === 0
        ? undefined
        : unknownMember('(none)', this.groupId, 'the group has members; commit as one of them');
    }
    const problem = this.#memberProblem(generationId, memberId);
    if (problem) return problem;
    this.members.get(memberId)!.lastSeenMs = this.clock.nowMs();
    return this.state === 'CompletingRebalance'
      ? rebalancing('the group is syncing its assignment')
      : undefined;
  }

  /**
   * Drops every member, answering held JoinGroup and SyncGroup calls with UNKNOWN_MEMBER_ID
   * (this coordinator stopped leading: the members rejoin at the new leader, as after a
   * coordinator restart).
   */
  dissolve(why: string): void {
    for (const member of [...this.members.values()]) this.#remove(member, why);
  }

  /** Applies deadlines: expired sessions leave; an overdue rebalance completes without the laggards. */
  tick(): void {
    const now = this.clock.nowMs();
    let removed = false;
    for (const member of [...this.members.values()]) {
      const waiting = member.pendingJoin !== undefined || member.pendingSync !== undefined;
      if (!waiting && now - member.lastSeenMs > member.sessionTimeoutMs) {
        this.#remove(member, 'session timed out');
        removed = true;
      }
    }
    if (removed) this.#membershipChanged();
    if (this.state === 'PreparingRebalance' && now >= this.#rebalanceDeadlineMs) this.#completeJoin();
  }

  #joinRefusal(input: JoinInput): ClassicOutcome | undefined {
    if (input.protocolType === '' || input.protocols.length === 0) {
      return inconsistent('a JoinGroup must name a protocol type and at least one protocol');
    }
    if (this.members.size > 0 && input.protocolType !== this.#groupProtocolType()) {
      return inconsistent(
        `the group's protocol type is "${this.#groupProtocolType()}", not "${input.protocolType}"`,
      );
    }
    if (this.members.size > 0 && !input.memberId && this.#commonProtocols([input.protocols]).length === 0) {
      return inconsistent('the member supports none of the protocols every other member supports');
    }
    if (input.memberId !== '' && !this.members.has(input.memberId))
      return unknownMember(input.memberId, this.groupId);
    return undefined;
  }

  #groupProtocolType(): string {
    return this.members.values().next().value?.protocolType ?? this.protocolType;
  }

  #memberProblem(generationId: number, memberId: string): ClassicOutcome | undefined {
    if (!this.members.has(memberId)) return unknownMember(memberId, this.groupId);
    if (generationId !== this.generationId) {
      return {
        errorCode: ClassicErrorCode.ILLEGAL_GENERATION,
        errorMessage: `generation ${generationId} is not the group's current ${this.generationId}`,
      };
    }
    return undefined;
  }

  #remove(member: ClassicMember, why: string): void {
    this.members.delete(member.memberId);
    const gone = unknownMember(member.memberId, this.groupId, `member ${member.memberId} ${why}`);
    member.pendingJoin?.(this.#joinAnswer(gone, member.memberId));
    member.pendingSync?.({
      ...gone,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      assignment: EMPTY,
    });
  }

  #membershipChanged(): void {
    if (this.members.size === 0) {
      // Kafka bumps the generation when a group empties, fencing late commits of the old one.
      this.generationId += 1;
      this.state = 'Empty';
      this.leaderId = '';
      this.protocolName = '';
      return;
    }
    if (this.state !== 'PreparingRebalance') this.#prepareRebalance();
    this.#completeJoinIfReady();
  }

  #prepareRebalance(): void {
    for (const member of this.members.values()) {
      const pending = member.pendingSync;
      member.pendingSync = undefined;
      pending?.({
        ...rebalancing('the group is rebalancing; rejoin'),
        protocolType: this.protocolType,
        protocolName: this.protocolName,
        assignment: EMPTY,
      });
    }
    this.state = 'PreparingRebalance';
    const longest = Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
    this.#rebalanceDeadlineMs = this.clock.nowMs() + longest;
  }

  #completeJoinIfReady(): void {
    if (this.state !== 'PreparingRebalance') return;
    if ([...this.members.values()].every((m) => m.pendingJoin !== undefined)) this.#completeJoin();
  }

  #completeJoin(): void {
    for (const member of [...this.members.values()]) {
      if (!member.pendingJoin) this.#remove(member, 'did not rejoin within the rebalance timeout');
    }
    if (this.members.size === 0) {
      this.#membershipChanged();
      return;
    }
    const members = [...this.members.values()];
    this.generationId += 1;
    this.protocolType = members[0]!.protocolType;
    this.protocolName = this.#chooseProtocol(members);
    if (!this.members.has(this.leaderId)) this.leaderId = members[0]!.memberId;
    this.state = 'CompletingRebalance';
    const now = this.clock.nowMs();
    for (const member of members) {
      const pending = member.pendingJoin!;
      member.pendingJoin = undefined;
      member.lastSeenMs = now;
      pending(this.#joinAnswer(ok, member.memberId));
    }
  }

  #joinAnswer(outcome: ClassicOutcome, memberId: string): JoinResult {
    const isLeader = outcome.errorCode === ClassicErrorCode.NONE && memberId === this.leaderId;
    return {
      ...outcome,
      generationId: outcome.errorCode === ClassicErrorCode.NONE ? this.generationId : -1,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId,
      memberId,
      members: isLeader
        ? [...this.members.values()].map((m) => ({
            memberId: m.memberId,
            instanceId: m.instanceId ?? '',
            metadata: m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY,
          }))
        : [],
    };
  }

  #commonProtocols(extra: ClassicProtocol[][] = []): string[] {
    const lists = [...[...this.members.values()].map((m) => m.protocols), ...extra];
    const [first, ...rest] = lists;
    return (first ?? [])
      .map((p) => p.name)
      .filter((name) => rest.every((l) => l.some((p) => p.name === name)));
  }

  /** Kafka's vote: each member votes for its most preferred common protocol; ties go to the first listed. */
  #chooseProtocol(members: readonly ClassicMember[]): string {
    const candidates = this.#commonProtocols();
    const votes = new Map(candidates.map((name) => [name, 0]));
    for (const member of members) {
      const choice = member.protocols.find((p) => votes.has(p.name));
      if (choice) votes.set(choice.name, votes.get(choice.name)! + 1);
    }
    let best = candidates[0] ?? '';
    for (const name of candidates) if (votes.get(name)! > votes.get(best)!) best = name;
    return best;
  }
}

function sameProtocols(a: readonly ClassicProtocol[], b: readonly ClassicProtocol[]): boolean {
  return (
    a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata))
  );
}

function rebalancing(message: string): ClassicOutcome {
  return { errorCode: ClassicErrorCode.REBALANCE_IN_PROGRESS, errorMessage: message };
}

function inconsistent(message: string): ClassicOutcome {
  return { errorCode: ClassicErrorCode.INCONSISTENT_GROUP_PROTOCOL, errorMessage: message };
}

function unknownMember(memberId: string, groupId: string, message?: string): ClassicOutcome {
  return {
    errorCode: ClassicErrorCode.UNKNOWN_MEMBER_ID,
    errorMessage: message ?? `member ${memberId} is not in group ${groupId}`,
  };
}
