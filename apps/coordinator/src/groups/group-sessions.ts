import type { Clock } from '../liveness/clock.js';

interface MemberSession {
  expiresAtMs: number;
  /** Set while the member has partitions to revoke: it must confirm before this time. */
  revokeByMs: number | undefined;
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

  constructor(private readonly clock: Clock) {}

  /** Extends a member's session by `sessionTimeoutMs` from now. */
  touch(groupId: string, memberId: string, sessionTimeoutMs: number): void {
    const group = this.group(groupId);
    const session = group.get(memberId);
    const expiresAtMs = this.clock.nowMs() + sessionTimeoutMs;
    group.set(memberId, { expiresAtMs, revokeByMs: session?.revokeByMs });
  }

  /**
   * Tracks the revocation deadline: starts it (now + `rebalanceTimeoutMs`) when the member
   * has partitions to give up and had no deadline, clears it once nothing is left to revoke.
   */
  setRevoking(groupId: string, memberId: string, revoking: boolean, rebalanceTimeoutMs: number): void {
    const session = this.sessions.get(groupId)?.get(memberId);
    if (!session) return;
    if (!revoking) session.revokeByMs = undefined;
    else session.revokeByMs ??= this.clock.nowMs() + rebalanceTimeoutMs;
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
