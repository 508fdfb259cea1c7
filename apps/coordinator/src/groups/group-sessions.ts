import type { Clock } from '../liveness/clock.js';

interface MemberSession {
  expiresAtMs: number;
  /** The member's own session timeout, which a grace after a stall gives it again. */
  sessionTimeoutMs: number;
  /** Set while the member has partitions to revoke: it must confirm before this time. */
  revokeByMs: number | undefined;
  /** The member's rebalance timeout, while it has partitions to revoke. */
  rebalanceTimeoutMs: number | undefined;
}

/** A member whose session or revocation deadline passed. */
export interface ExpiredMember {
  groupId: string;
  memberId: string;
  reason: 'session' | 'revocation';
}

/**
 * Heartbeat sessions of group members, in memory only (like broker sessions): after a
 * coordinator restart every member in the state gets one session timeout of grace.
 */
export class GroupSessions {
  private readonly sessions = new Map<string, Map<string, MemberSession>>();

  constructor(
    /** The clock sessions are judged by. */
    readonly clock: Clock,
  ) {}

  /** Extends a member's session by `sessionTimeoutMs` from now. */
  touch(groupId: string, memberId: string, sessionTimeoutMs: number): void {
    const group = this.group(groupId);
    const session = group.get(memberId);
    const expiresAtMs = this.clock.nowMs() + sessionTimeoutMs;
    group.set(memberId, {
      expiresAtMs,
      sessionTimeoutMs,
      revokeByMs: session?.revokeByMs,
      rebalanceTimeoutMs: session?.rebalanceTimeoutMs,
    });
  }

  /**
   * Tracks the revocation deadline: starts it (now + `rebalanceTimeoutMs`) when the member
   * has partitions to give up and had no deadline, clears it once nothing is left to revoke.
   */
  setRevoking(groupId: string, memberId: string, revoking: boolean, rebalanceTimeoutMs: number): void {
    const session = this.sessions.get(groupId)?.get(memberId);
    if (!session) return;
    if (!revoking) {
      session.revokeByMs = undefined;
      session.rebalanceTimeoutMs = undefined;
    } else if (session.revokeByMs === undefined) {
      session.revokeByMs = this.clock.nowMs() + rebalanceTimeoutMs;
      session.rebalanceTimeoutMs = rebalanceTimeoutMs;
    }
  }

  /**
   * Gives every member at least its own session timeout from now, and every pending
   * revocation at least its rebalance timeout: after this process itself stalled, no
   * deadline that passed meanwhile says anything about its member.
   */
  extendAll(): void {
    const now = this.clock.nowMs();
    for (const members of this.sessions.values()) {
      for (const session of members.values()) {
        session.expiresAtMs = Math.max(session.expiresAtMs, now + session.sessionTimeoutMs);
        if (session.revokeByMs !== undefined && session.rebalanceTimeoutMs !== undefined) {
          session.revokeByMs = Math.max(session.revokeByMs, now + session.rebalanceTimeoutMs);
        }
      }
    }
  }

  /** Forgets every session (this coordinator stopped leading: the next leader keeps them). */
  clear(): void {
    this.sessions.clear();
  }

  /** Forgets a member. */
  remove(groupId: string, memberId: string): void {
    const group = this.sessions.get(groupId);
    group?.delete(memberId);
    if (group?.size === 0) this.sessions.delete(groupId);
  }

  /** Members past their session timeout or revocation deadline. */
  expired(): ExpiredMember[] {
    const now = this.clock.nowMs();
    const out: ExpiredMember[] = [];
    for (const [groupId, members] of this.sessions) {
      for (const [memberId, s] of members) {
        if (s.expiresAtMs <= now) out.push({ groupId, memberId, reason: 'session' });
        else if (s.revokeByMs !== undefined && s.revokeByMs <= now)
          out.push({ groupId, memberId, reason: 'revocation' });
      }
    }
    return out;
  }

  private group(groupId: string): Map<string, MemberSession> {
    let group = this.sessions.get(groupId);
    if (!group) {
      group = new Map();
      this.sessions.set(groupId, group);
    }
    return group;
  }
}
