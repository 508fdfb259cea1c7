import type { EventQueue } from './event-queue.fixture.js';

/**
 * Simulated SIGSTOP: a paused node runs nothing (timers, deliveries, fsync callbacks) until
 * it resumes, then runs all of it at once, in the order it would have, with its clock jumped
 * ahead: the zombie-leader case a lease and terms must handle.
 */
export class ProcessPauses {
  private until = new Map<number, number>();

  constructor(private readonly queue: EventQueue) {}

  /** Stops `node` for `forMs` (extends a running pause). */
  pause(node: number, forMs: number): void {
    this.until.set(node, Math.max(this.until.get(node) ?? 0, this.queue.now + forMs));
  }

  /** The node crashed: whatever restarts in its place is not paused. */
  clear(node: number): void {
    this.until.delete(node);
  }

  isPaused(node: number): boolean {
    return (this.until.get(node) ?? 0) > this.queue.now;
  }

  /** Runs `work` for `node` now, or at its resume if it is paused. */
  run(node: number, label: string, work: () => void): void {
    const until = this.until.get(node) ?? 0;
    if (until > this.queue.now)
      this.queue.at(until, `${label} (after pause)`, () => this.run(node, label, work));
    else work();
  }
}
