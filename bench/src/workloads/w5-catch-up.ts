import { LatencyRecorder } from '../stats/latency.js';
import { drain } from './drain.js';
import { rates, sampled } from './measure.js';
import { fixedValues, mib, recordsPerBatch } from './payload.js';
import { produceMax } from './produce-max.js';
import type { Workload } from './types.js';

// Sends in flight while building the backlog: the fill is not what W5 measures.
const FILL_INFLIGHT = 8;

/**
 * W5: catch-up read. A backlog (profile.w5BacklogBytes of values, or what the system writes
 * within w5FillMaxSeconds) is written to one partition first; then one consumer reads it all
 * from the beginning. Measured: the drain only.
 */
export const w5CatchUp: Workload = async (ctx) => {
  const { driver, profile, recordSize } = ctx;
  const log = ctx.logName('W5');
  await driver.createLog({ name: log, partitions: 1, replicationFactor: 1 });
  const producer = await driver.producer(log, 1);
  let fill: Awaited<ReturnType<typeof produceMax>>;
  try {
    ctx.progress(`building a backlog of up to ${Math.round(mib(profile.w5BacklogBytes))} MiB`);
    fill = await produceMax({
      producers: [{ client: producer, partitions: [0] }],
      values: fixedValues(recordsPerBatch(profile.batchBytes, recordSize), recordSize),
      inflight: FILL_INFLIGHT,
      durationMs: profile.w5FillMaxSeconds * 1000,
      maxRecords: Math.floor(profile.w5BacklogBytes / recordSize),
    });
  } finally {
    await producer.close();
  }
  const consumer = await driver.consumer(log, [0]);
  try {
    const pollLatency = new LatencyRecorder('poll (poll call -> records returned)');
    const { value, processes } = await sampled(driver, `W5-${recordSize}`, async () => {
      const started = performance.now();
      const result = await drain({
        consumer,
        done: (records) => records >= fill.records,
        deadline: started + profile.drainMaxSeconds * 1000,
        pollLatency,
      });
      return { result, started };
    });
    const { result, started } = value;
    const complete = result.records >= fill.records;
    const seconds = ((Number.isNaN(result.lastAt) ? started : result.lastAt) - started) / 1000;
    return [
      {
        workload: 'W5',
        system: driver.name,
        recordSize,
        variant: '1c drains 1 partition',
        status: complete ? 'ok' : 'error',
        reason: complete ? undefined : `consumer read ${result.records} of ${fill.records} records in time`,
        ...rates(result.records, result.bytes, seconds),
        latency: pollLatency.summary(),
        processes,
        extra: {
          backlogMiB: Math.round(mib(fill.bytes)),
          backlogRecords: fill.records,
          fillRecordsPerSec: Math.round(fill.records / fill.seconds),
          backlogTargetMiB: Math.round(mib(profile.w5BacklogBytes)),
        },
      },
    ];
  } finally {
    await consumer.close();
  }
};
