import type { LatencyRecorder } from '../stats/latency.js';
import type { ConsumerClient } from '../systems/types.js';

export interface DrainOptions {
  consumer: ConsumerClient;
  /** Asked before every poll with the records this drain has seen: true stops it. */
  done: (records: number) => boolean;
  /** performance.now() time at which the drain gives up. */
  deadline: number;
  /** Called with every polled value (e.g. to measure end-to-end latency). */
  onValue?: (value: Buffer, nowMs: number) => void;
  /** Records how long each poll that returned records took. */
  pollLatency?: LatencyRecorder;
}

export interface DrainResult {
  records: number;
  bytes: number;
  /** performance.now() of the first and last record seen (NaN if none). */
  firstAt: number;
  lastAt: number;
}

const POLL_TIMEOUT_MS = 100;

/** Polls until `done()` says so or the deadline passed. */
export async function drain(options: DrainOptions): Promise<DrainResult> {
  const result: DrainResult = { records: 0, bytes: 0, firstAt: Number.NaN, lastAt: Number.NaN };
  while (performance.now() < options.deadline) {
    if (options.done(result.records)) break;
    const t0 = performance.now();
    const values = await options.consumer.poll(POLL_TIMEOUT_MS);
    if (values.length === 0) continue;
    const now = performance.now();
    options.pollLatency?.recordMs(now - t0);
    if (Number.isNaN(result.firstAt)) result.firstAt = now;
    result.lastAt = now;
    result.records += values.length;
    for (const value of values) {
      result.bytes += value.length;
      options.onValue?.(value, now);
    }
  }
  return result;
}
