import type { Clock } from './clock.js';

/**
 * Tells a periodic pass whether its own process stalled since the previous pass: a SIGSTOP,
 * a debugger, a machine starved of CPU. While the process stood still it could not read any
 * heartbeat, so the sessions it then finds expired say nothing about the brokers.
 */
export class StallWatch {
  private previousPassEndMs: number | undefined;

  /**
   * @param clock the clock the sessions are judged by.
   * @param stalledAfterMs a gap between the end of one pass and the start of the next longer
   *   than this counts as a stall.
   */
  constructor(
    private readonly clock: Clock,
    private readonly stalledAfterMs: number,
  ) {}

  /**
   * Call at the start of a pass: the gap since the previous pass ended when it exceeds the
   * stall threshold, else undefined (also for the first pass).
   */
  passStarted(): number | undefined {
    if (this.previousPassEndMs === undefined) return undefined;
    const gapMs = this.clock.nowMs() - this.previousPassEndMs;
    return gapMs > this.stalledAfterMs ? gapMs : undefined;
  }

  /** Call when a pass ended (also a failed one). */
  passEnded(): void {
    this.previousPassEndMs = this.clock.nowMs();
  }
}
