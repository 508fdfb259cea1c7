/** Wall-clock time in milliseconds since the epoch, behind an interface so tests can move it. */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to, for tests and deterministic simulation. */
export class ManualClock implements Clock {
  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  /** Moves the clock forward by `ms` (never backwards). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`a clock only moves forward, got ${ms} ms`);
    this.time += ms;
  }
}
