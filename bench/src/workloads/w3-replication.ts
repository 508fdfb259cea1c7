import { LatencyRecorder } from '../stats/latency.js';
import type { Acks } from '../systems/types.js';
import { rates, sampled } from './measure.js';
import { fixedValues, recordsPerBatch } from './payload.js';
import { produceMax } from './produce-max.js';
import type { Measurement, Workload, WorkloadContext } from './types.js';

/**
 * W3: the cost of replication: RF=3 with acks=all against RF=1 with acks=1, same producer
 * as W1. The RF=3 log is created first: a system that refuses it (Fjord before replication
 * lands, single-server peers) is reported as skipped with the system's own reason.
 */
export const w3Replication: Workload = async (ctx) => {
  const replicated = ctx.logName('W3');
  await ctx.driver.createLog({ name: replicated, partitions: 1, replicationFactor: 3 });
  const single = ctx.logName('W3');
  await ctx.driver.createLog({ name: single, partitions: 1, replicationFactor: 1 });
  const rf1 = await run(ctx, single, 1, 'RF=1 acks=1');
  const rf3 = await run(ctx, replicated, 'all', 'RF=3 acks=all');
  if (rf1.recordsPerSec && rf3.recordsPerSec) {
    rf3.extra = { ...rf3.extra, ratioToRf1: Math.round((rf3.recordsPerSec / rf1.recordsPerSec) * 100) / 100 };
  }
  return [rf1, rf3];
};

async function run(ctx: WorkloadContext, log: string, acks: Acks, variant: string): Promise<Measurement> {
  const { driver, profile, recordSize } = ctx;
  const producer = await driver.producer(log, acks);
  try {
    const values = fixedValues(recordsPerBatch(profile.batchBytes, recordSize), recordSize);
    const latency = new LatencyRecorder('publish (batch send -> ack)');
    const { value, processes } = await sampled(driver, `W3-${recordSize}-${acks}`, () =>
      produceMax({
        producers: [{ client: producer, partitions: [0] }],
        values,
        inflight: profile.inflight,
        durationMs: profile.w3Seconds * 1000,
        latency,
      }),
    );
    return {
      workload: 'W3',
      system: driver.name,
      recordSize,
      variant,
      status: 'ok',
      ...rates(value.records, value.bytes, value.seconds),
      latency: latency.summary(),
      processes,
    };
  } finally {
    await producer.close();
  }
}
