import { LatencyRecorder } from '../stats/latency.js';
import { rates, sampled } from './measure.js';
import { fixedValues, recordsPerBatch } from './payload.js';
import { produceMax } from './produce-max.js';
import type { Measurement, Workload } from './types.js';

/** W1: maximum produce throughput, 1 producer, 1 partition, RF=1, acks=1. */
export const w1MaxProduce: Workload = async (ctx) => {
  const { driver, profile, recordSize } = ctx;
  const log = ctx.logName('W1');
  await driver.createLog({ name: log, partitions: 1, replicationFactor: 1 });
  const producer = await driver.producer(log, 1);
  try {
    const values = fixedValues(recordsPerBatch(profile.batchBytes, recordSize), recordSize);
    const latency = new LatencyRecorder('publish (batch send -> ack)');
    const { value, processes } = await sampled(driver, `W1-${recordSize}`, () =>
      produceMax({
        producers: [{ client: producer, partitions: [0] }],
        values,
        inflight: profile.inflight,
        durationMs: profile.w1Seconds * 1000,
        latency,
      }),
    );
    const measurement: Measurement = {
      workload: 'W1',
      system: driver.name,
      recordSize,
      variant: '1p 1 partition RF=1 acks=1',
      status: 'ok',
      ...rates(value.records, value.bytes, value.seconds),
      latency: latency.summary(),
      processes,
      extra: { recordsPerSend: values.length, sendsInFlight: profile.inflight },
    };
    return [measurement];
  } finally {
    await producer.close();
  }
};
