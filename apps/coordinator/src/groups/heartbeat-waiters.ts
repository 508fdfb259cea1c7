/** Why a held heartbeat stopped waiting. */
export type WakeReason = 'changed' | 'timeout' | 'superseded' | 'closed' | 'cancelled';

/**
 * Where held (long-poll) group heartbeats wait. A member whose heartbeat brings it nothing new
 * is not answered at once: its heartbeat waits here until its group changes (then it looks
 * again), a newer heartbeat of the same member arrives (the old one is answered as it is,
 * never re-run, so a stale request cannot undo a newer one), or its time is up. That is what
 * lets a stable member learn of a rebalance (a member left, a partition was released) within
 * a round trip instead of a heartbeat interval later.
 *
 * In memory only, like sessions: a held heartbeat is one RPC in flight.
 */
export class HeartbeatWaiters {
  // group id -> member id -> wakes that member's held heartbeat.
  readonly #waiting = new Map<string, Map<string, (reason: WakeReason) => void>>();
  // group id + member id -> token of the member's newest heartbeat in flight.
  readonly #latest = new Map<string, number>();
  #nextToken = 0;
  #closed = false;

  /**
   * A heartbeat of `memberId` arrived: it becomes the member's newest, and a held older one
   * ends now ('superseded'). Returns the token that identifies this heartbeat.
   */
  arrived(groupId: string, memberId: string): number {
    const token = ++this.#nextToken;
    this.#latest.set(memberKey(groupId, memberId), token);
    this.#waiting.get(groupId)?.get(memberId)?.('superseded');
    return token;
  }

  /** True while no newer heartbeat of the member arrived after the one with `token`. */
  isLatest(groupId: string, memberId: string, token: number): boolean {
    return this.#latest.get(memberKey(groupId, memberId)) === token;
  }

  /** The heartbeat with `token` was answered: forget it (unless a newer one is in flight). */
  done(groupId: string, memberId: string, token: number): void {
    const key = memberKey(groupId, memberId);
    if (this.#latest.get(key) === token) this.#latest.delete(key);
  }

  /**
   * Waits until the group changes ({@link wake}), a newer heartbeat of the member arrives,
   * {@link close} is called, `ms` pass, or `signal` aborts (the client cancelled the call:
   * 'cancelled'). One wait per member at a time (the newest).
   */
  wait(groupId: string, memberId: string, ms: number, signal?: AbortSignal): Promise<WakeReason> {
    if (this.#closed) return Promise.resolve('closed');
    if (signal?.aborted) return Promise.resolve('cancelled');
    return new Promise((resolve) => {
      let members = this.#waiting.get(groupId);
      if (!members) {
        members = new Map();
        this.#waiting.set(groupId, members);
      }
      // A wait still registered for this member belongs to an older heartbeat: end it.
      members.get(memberId)?.('superseded');
      const finish = (reason: WakeReason): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', cancel);
        const current = this.#waiting.get(groupId);
        if (current?.get(memberId) === finish) {
          current.delete(memberId);
          if (current.size === 0) this.#waiting.delete(groupId);
        }
        resolve(reason);
      };
      const cancel = (): void => finish('cancelled');
      const timer = setTimeout(() => finish('timeout'), Math.max(0, ms));
      signal?.addEventListener('abort', cancel, { once: true });
      members.set(memberId, finish);
    });
  }

  /** The group's membership changed: every held heartbeat of it looks again. */
  wake(groupId: string): void {
    const members = this.#waiting.get(groupId);
    if (!members) return;
    for (const finish of [...members.values()]) finish('changed');
  }

  /**
   * Answers every held heartbeat now ('closed'), but keeps holding later ones: this
   * coordinator stopped leading, and its members should hear so and look for the new leader.
   */
  releaseAll(): void {
    for (const members of [...this.#waiting.values()]) {
      for (const finish of [...members.values()]) finish('closed');
    }
  }

  /** Answers every held heartbeat now and holds no more (shutdown). */
  close(): void {
    this.#closed = true;
    for (const members of [...this.#waiting.values()]) {
      for (const finish of [...members.values()]) finish('closed');
    }
  }

  /** Heartbeats waiting right now (for tests and diagnostics). */
  get waitingCount(): number {
    let count = 0;
    for (const members of this.#waiting.values()) count += members.size;
    return count;
  }
}

function memberKey(groupId: string, memberId: string): string {
  return `${groupId}\u0000${memberId}`;
}
