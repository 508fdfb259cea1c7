import type { Clock } from './clock.js';

/**
 * Tells a periodic pass whether its own process stalled since the previous pass (or since the
 * job started): a SIGSTOP, a debugger, a machine starved of CPU. While the process stood still
 * it could not read any heartbeat, so the sessions it then finds expired say nothing about
 * their owners. (A pass itself cannot straddle a stall in practice: it decides and plans its
 * proposal synchronously, so only the gap before it matters.)
 */
export class StallWatch {
  private previousPassEndMs: number | undefined;

  /**
   * @param clock the clock the sessions are judged by.
   * @param stalledAfterMs a gap longer than this counts as a stall.
   */
  constructor(
    private readonly clock: Clock,
    private readonly stalledAfterMs: number,
  ) {}

  /**
   * Call when the job starts (again): its first pass measures its gap from now. Without it a
   * process stopped before its first pass (right after a restart or a leadership change) would
   * judge every session by a clock that ran while it could hear nothing.
   */
  arm(): void {
    this.previousPassEndMs = this.clock.nowMs();
  }

  /**
   * Call at the start of a pass: the gap since the previous pass ended (or the job was armed)
   * when it exceeds the stall threshold, else undefined (also for a first pass never armed).
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
