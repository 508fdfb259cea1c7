import { LatencyRecorder } from '../stats/latency.js';
import { drain } from './drain.js';
import { produceFixedRate } from './fixed-rate.js';
import { rates, sampled } from './measure.js';
import { readStamp } from './payload.js';
import type { Measurement, Workload, WorkloadContext } from './types.js';

// Sends in flight at most (then the schedule keeps running and records age in the client).
const MAX_INFLIGHT = 64;
// The producer starts this long after the consumer is polling, so record 0 is not late.
const START_DELAY_MS = 100;

/**
 * W4: end-to-end latency at fixed rates, 1 producer, 1 consumer, 1 partition, RF=1, acks=1.
 * Each record carries its intended send time; latency = time consumed - intended time,
 * recorded after the warmup in an HdrHistogram.
 */
export const w4Latency: Workload = async (ctx) => {
  const out: Measurement[] = [];
  for (const rate of ctx.profile.w4Rates) out.push(await runRate(ctx, rate));
  return out;
};

async function runRate(ctx: WorkloadContext, rate: number): Promise<Measurement> {
  const { driver, profile, recordSize } = ctx;
  const log = ctx.logName('W4');
  await driver.createLog({ name: log, partitions: 1, replicationFactor: 1 });
  const consumer = await driver.consumer(log, [0]);
  const producer = await driver.producer(log, 1);
  try {
    const total = Math.round(rate * (profile.w4Seconds + profile.w4WarmupSeconds));
    const latency = new LatencyRecorder('end-to-end (intended send time -> consumed)');
    // A send carries at most ~4 ms of the schedule, so a system that fell behind catches up in
    // bigger batches, as a real client with linger would.
    const maxBatch = Math.max(1, Math.ceil(rate / 1000) * 4);
    const template = Buffer.alloc(recordSize, 0x61);
    const { value, processes } = await sampled(driver, `W4-${recordSize}-${rate}`, async () => {
      const start = performance.now() + START_DELAY_MS;
      const warmupEnd = start + profile.w4WarmupSeconds * 1000;
      const scheduleMs = (profile.w4Seconds + profile.w4WarmupSeconds) * 1000;
      // Sending stops half a schedule (at least 1 s) after the last record was due: a system
      // that cannot keep the rate is charged for the rest (onUnsent) instead of running on.
      const sendDeadline = start + scheduleMs + Math.max(1000, scheduleMs / 2);
      const deadline = start + scheduleMs + profile.drainMaxSeconds * 1000;
      let producing = true;
      let sent = total;
      const production = produceFixedRate({
        producer,
        partition: 0,
        rate,
        total,
        start,
        template,
        maxBatch,
        maxInflight: MAX_INFLIGHT,
        deadline: sendDeadline,
        onUnsent: (intended, lateBy) => {
          if (intended >= warmupEnd) latency.recordMs(lateBy);
        },
      }).then(
        (result) => {
          sent = result.sent;
          producing = false;
          return result;
        },
        (error: unknown) => {
          producing = false;
          throw error;
        },
      );
      const consumed = drain({
        consumer,
        done: (records) => !producing && records >= sent,
        deadline,
        onValue: (v, now) => {
          const intended = readStamp(v);
          if (intended >= warmupEnd) latency.recordMs(now - intended);
        },
      });
      const produced = await production;
      return { produced, consumed: await consumed, start };
    });
    const { produced, consumed, start } = value;
    const seconds = (consumed.lastAt - start) / 1000;
    const complete = consumed.records >= produced.sent;
    return {
      workload: 'W4',
      system: driver.name,
      recordSize,
      variant: `${rate} rec/s`,
      status: complete ? 'ok' : 'error',
      reason: complete ? undefined : `consumer read ${consumed.records} of ${produced.sent} records in time`,
      ...rates(consumed.records, consumed.bytes, Number.isNaN(seconds) ? 0 : seconds),
      latency: latency.summary(),
      processes,
      extra: {
        targetRate: rate,
        warmupSeconds: profile.w4WarmupSeconds,
        sent: produced.sent,
        // Not sent in time: counted in the latencies with how late they were at the deadline.
        unsent: produced.unsent,
      },
    };
  } finally {
    await Promise.allSettled([producer.close(), consumer.close()]);
  }
}
