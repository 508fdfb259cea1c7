import { type Clock, systemClock } from '../liveness/clock.js';

/** A pending timer callback. */
export interface Timer {
  /** Stops the callback from running; harmless after it ran. */
  cancel(): void;
}

/**
 * A {@link Clock} that can also run a callback later. The Raft core takes all its time from
 * one of these, so the simulation can replace real time by a seeded event queue.
 */
export interface TimerClock extends Clock {
  /** Runs `callback` once, `delayMs` from now. */
  setTimer(delayMs: number, callback: () => void): Timer;
}

/** Real time: the monotonic system clock and Node's timers. */
export const systemTimerClock: TimerClock = {
  nowMs: () => systemClock.nowMs(),
  setTimer(delayMs, callback) {
    const handle = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(handle) };
  },
};
