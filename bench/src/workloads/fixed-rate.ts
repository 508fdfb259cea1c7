import type { ProducerClient } from '../systems/types.js';
import { stampedValue } from './payload.js';

export interface FixedRateOptions {
  producer: ProducerClient;
  partition: number;
  /** Records per second. */
  rate: number;
  /** How many records in all (rate x duration). */
  total: number;
  /** performance.now() of record 0's intended send time. */
  start: number;
  /** A value of the record size; each record gets a copy stamped with its intended time. */
  template: Buffer;
  /** Most records one send carries when the schedule has fallen behind. */
  maxBatch: number;
  /** Sends in flight at most; above it the schedule keeps running and records wait (and age). */
  maxInflight: number;
  /** Give up sending after this performance.now() time (a system that cannot keep the rate). */
  deadline: number;
  /**
   * Called once per record never sent because the deadline passed, with how late it already
   * is: the caller records that as its latency (a lower bound), so a system that falls
   * behind is not flattered by the records it never got to (no coordinated omission).
   */
  onUnsent?: (intendedMs: number, lateByMs: number) => void;
}

export interface FixedRateResult {
  sent: number;
  acked: number;
  /** Records due by the schedule but not sent before the deadline. */
  unsent: number;
}

/**
 * Open-loop producer: record i is due at start + i/rate, and carries that intended time in its
 * first bytes. Every tick sends whatever is due, so a slow system is not given a breather: the
 * delay shows up as latency measured from the intended time (no coordinated omission).
 */
export async function produceFixedRate(options: FixedRateOptions): Promise<FixedRateResult> {
  const { producer, partition, rate, total, start, template } = options;
  const intervalMs = 1000 / rate;
  let sent = 0;
  let acked = 0;
  let inflight = 0;
  let failure: unknown;
  const sends = new Set<Promise<void>>();
  while (sent < total && failure === undefined && performance.now() < options.deadline) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
    while (sent < due && inflight < options.maxInflight) {
      const n = Math.min(due - sent, options.maxBatch);
      const values = new Array<Buffer>(n);
      for (let i = 0; i < n; i++) values[i] = stampedValue(template, start + (sent + i) * intervalMs);
      sent += n;
      inflight++;
      const sending = producer.send(partition, values).then(
        () => {
          acked += n;
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      const tracked = sending.finally(() => {
        inflight--;
        sends.delete(tracked);
      });
      sends.add(tracked);
    }
    // Sleep until the next record is due (timers fire at ~1 ms granularity at best); with the
    // window full, wait a tick for acks instead of spinning.
    const nextDue = start + sent * intervalMs;
    const full = inflight >= options.maxInflight;
    await sleep(full ? 1 : Math.max(0, Math.min(1, nextDue - performance.now())));
  }
  const gaveUpAt = performance.now();
  for (let i = sent; i < total && options.onUnsent; i++) {
    const intended = start + i * intervalMs;
    options.onUnsent(intended, gaveUpAt - intended);
  }
  await Promise.all([...sends]);
  if (failure !== undefined) throw failure;
  return { sent, acked, unsent: total - sent };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => (ms <= 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));
}
