import { LatencyRecorder } from '../stats/latency.js';
import type { ConsumerClient, ProducerClient } from '../systems/types.js';
import { drain } from './drain.js';
import { rates, sampled } from './measure.js';
import { fixedValues, recordsPerBatch } from './payload.js';
import { produceMax } from './produce-max.js';
import type { Workload } from './types.js';

const PARTITIONS = 16;
const PRODUCERS = 4;
const CONSUMERS = 4;

// Polls of every member before producing starts, so that joining the group is not measured.
const SETTLE_POLLS = 5;
const SETTLE_POLL_MS = 200;

/**
 * W2: 4 producers and 4 consumers in one consumer group, 16 partitions. Each system shares
 * the log among the members its own way: Fjord's group coordinator assigns 4 partitions to
 * each, Redis delivers each entry of the 16 streams to one XREADGROUP reader, JetStream
 * hands each message of one durable pull consumer to one of the members pulling from it.
 */
export const w2Group: Workload = async (ctx) => {
  const { driver, profile, recordSize } = ctx;
  const log = ctx.logName('W2');
  await driver.createLog({ name: log, partitions: PARTITIONS, replicationFactor: 1 });
  const producers: ProducerClient[] = [];
  const consumers: ConsumerClient[] = [];
  try {
    for (let i = 0; i < PRODUCERS; i++) producers.push(await driver.producer(log, 1));
    const group = `${log}-group`;
    for (let c = 0; c < CONSUMERS; c++) consumers.push(await driver.groupConsumer(log, group));
    for (let i = 0; i < SETTLE_POLLS; i++) {
      const early = await Promise.all(consumers.map((consumer) => consumer.poll(SETTLE_POLL_MS)));
      if (early.some((values) => values.length > 0)) throw new Error('W2: the new log is not empty');
    }
    const values = fixedValues(recordsPerBatch(profile.batchBytes, recordSize), recordSize);
    const latency = new LatencyRecorder('publish (batch send -> ack)');
    const { value, processes } = await sampled(driver, `W2-${recordSize}`, async () => {
      const started = performance.now();
      let produced = 0;
      let producing = true;
      const deadline = started + (profile.w2Seconds + profile.drainMaxSeconds) * 1000;
      // Each producer writes its own 4 partitions in turn (producer i: i, i+4, i+8, i+12), so
      // every consumer reads from every producer.
      const production = produceMax({
        producers: producers.map((client, i) => ({
          client,
          partitions: range(0, PARTITIONS / PRODUCERS).map((k) => i + k * PRODUCERS),
        })),
        values,
        inflight: profile.inflight,
        durationMs: profile.w2Seconds * 1000,
        latency,
      }).then(
        (result) => {
          produced = result.records;
          producing = false;
          return result;
        },
        (error: unknown) => {
          producing = false;
          throw error;
        },
      );
      let consumedTotal = 0;
      const drains = consumers.map((consumer) =>
        drain({
          consumer,
          done: () => !producing && consumedTotal >= produced,
          deadline,
          onValue: () => {
            consumedTotal++;
          },
        }),
      );
      const produce = await production;
      const consumed = await Promise.all(drains);
      return { produce, consumed, started };
    });
    const { produce, consumed, started } = value;
    const consumedRecords = consumed.reduce((sum, d) => sum + d.records, 0);
    const consumedBytes = consumed.reduce((sum, d) => sum + d.bytes, 0);
    const lastAt = Math.max(...consumed.map((d) => (Number.isNaN(d.lastAt) ? started : d.lastAt)));
    const consume = rates(consumedRecords, consumedBytes, (lastAt - started) / 1000);
    return [
      {
        workload: 'W2',
        system: driver.name,
        recordSize,
        variant: '4p/4c 16 partitions RF=1 acks=1',
        status: consumedRecords < produce.records ? 'error' : 'ok',
        reason:
          consumedRecords < produce.records
            ? `consumers read ${consumedRecords} of ${produce.records} records in time`
            : undefined,
        ...rates(produce.records, produce.bytes, produce.seconds),
        latency: latency.summary(),
        processes,
        extra: {
          consumeRecordsPerSec: consume.recordsPerSec ?? 0,
          consumeMiBPerSec: consume.mibPerSec ?? 0,
          consumedRecords,
        },
      },
    ];
  } finally {
    await Promise.allSettled([...producers, ...consumers].map((c) => c.close()));
  }
};

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}
