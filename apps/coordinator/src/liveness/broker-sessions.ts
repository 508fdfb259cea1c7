import type { Clock } from './clock.js';

interface Session {
  incarnationId: string;
  expiresAtMs: number;
  /** False for a grace session restored at startup, until the broker is heard from. */
  heardFrom: boolean;
}

/**
 * Heartbeat sessions of brokers. Deliberately not part of the metadata log: liveness is
 * about this process's clock, and after a restart every broker the state calls alive gets
 * a fresh session (one timeout of grace) instead of being judged by stale timestamps.
 */
export class BrokerSessions {
  private readonly sessions = new Map<number, Session>();

  constructor(
    /** The clock sessions are judged by. */
    readonly clock: Clock,
    readonly sessionTimeoutMs: number,
  ) {}

  /** Starts (or replaces) the session of a broker incarnation; it expires one timeout from now. */
  start(brokerId: number, incarnationId: string): void {
    this.sessions.set(brokerId, {
      incarnationId,
      expiresAtMs: this.clock.nowMs() + this.sessionTimeoutMs,
      heardFrom: true,
    });
  }

  /**
   * Gives a broker that the restored state calls alive one timeout of grace after a
   * coordinator restart. Such a session keeps the broker from being fenced at once, but
   * does not block a new incarnation from registering: nobody knows the old one is alive.
   */
  restore(brokerId: number, incarnationId: string): void {
    this.sessions.set(brokerId, {
      incarnationId,
      expiresAtMs: this.clock.nowMs() + this.sessionTimeoutMs,
      heardFrom: false,
    });
  }

  /** Extends the broker's session by one timeout from now; starts one if it has none. */
  touch(brokerId: number, incarnationId: string): void {
    this.start(brokerId, incarnationId);
  }

  /**
   * Gives every session at least one timeout from now, keeping whether it was heard from:
   * after this process itself stalled, no session's age says anything about its broker.
   */
  extendAll(): void {
    const expiresAtMs = this.clock.nowMs() + this.sessionTimeoutMs;
    for (const session of this.sessions.values()) {
      session.expiresAtMs = Math.max(session.expiresAtMs, expiresAtMs);
    }
  }

  /** True when the broker has a session that has not expired. */
  isLive(brokerId: number): boolean {
    const session = this.sessions.get(brokerId);
    return session !== undefined && session.expiresAtMs > this.clock.nowMs();
  }

  /** True when the broker has a live session that this process has heard from (not only restored). */
  isLiveAndHeardFrom(brokerId: number): boolean {
    return this.isLive(brokerId) && this.sessions.get(brokerId)!.heardFrom;
  }

  /** Ids of brokers whose session has expired, ascending. */
  expiredBrokerIds(): number[] {
    const now = this.clock.nowMs();
    return [...this.sessions]
      .filter(([, session]) => session.expiresAtMs <= now)
      .map(([brokerId]) => brokerId)
      .sort((a, b) => a - b);
  }

  /** Forgets every session (this coordinator stopped leading: the next leader keeps them). */
  clear(): void {
    this.sessions.clear();
  }

  /** Forgets the broker's session. */
  remove(brokerId: number): void {
    this.sessions.delete(brokerId);
  }
}
