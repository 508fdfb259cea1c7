import { performance } from 'node:perf_hooks';

/** Time source for session tracking; injectable so tests (and simulations) control time. */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are meaningful). */
  nowMs(): number;
}

/** Monotonic wall time: not affected by NTP steps, so a clock jump cannot fence every broker. */
export const systemClock: Clock = { nowMs: () => performance.now() };

/** A clock that moves only when told to (tests, simulations). */
export class ManualClock implements Clock {
  constructor(private now = 0) {}

  nowMs(): number {
    return this.now;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.now += ms;
  }
}
