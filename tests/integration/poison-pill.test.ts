// A batch that a consumer cannot decode (CRC-valid, with a record claiming 1 MiB) must not
// wedge the partition: the consumer delivers the good records before it, reports it once per
// backoff as a RecordDecodeError naming topic, partition and offset, and reads on after a seek.
// A broker that validates records refuses the batch instead; then every good record is read.
import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import { type Consumer, Fjord, RecordDecodeError } from '@fjord/sdk';
import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, scrape } from './metrics.js';
import { bogusLengthBatch } from './record-batches.js';

const WINDOW_MS = 3_000;

describe('poison pill', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let broker: v1.BrokerServiceClient;
  const topic = randomName('poison');
  const tp = { topic, partition: 0 };

  const rawProduce = (records: Buffer) =>
    new Promise<v1.ProducePartitionResult__Output>((resolve, reject) =>
      broker.Produce(
        { acks: 1, timeoutMs: 5_000, topics: [{ topic, partitions: [{ partition: 0, records }] }] },
        { deadline: Date.now() + 10_000 },
        (error: grpc.ServiceError | null, response?: v1.ProduceResponse__Output) =>
          error ? reject(error) : resolve(response!.topics[0]!.partitions[0]!),
      ),
    );
  const sendGood = async (values: string[]) => {
    const producer = fjord.producer({ acks: 1 });
    const metas = await producer.send({ topic, messages: values.map((value) => ({ value, partition: 0 })) });
    await producer.close();
    return metas.map((m) => m.offset);
  };
  const readValues = async (consumer: Consumer, count: number) => {
    const seen: Array<{ offset: bigint; value: string }> = [];
    const deadline = Date.now() + 30_000;
    while (seen.length < count && Date.now() < deadline) {
      for (const r of await consumer.poll(500)) seen.push({ offset: r.offset, value: String(r.value) });
    }
    return seen;
  };
  const fetchRequests = async () =>
    metric(await scrape(cluster.broker(1)), 'fjord_broker_requests_total', { api: 'Fetch' }) ?? 0;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1 });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'poison-pill-test' });
    await fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
    const proto = loadFjordProto().fjord.v1;
    broker = new proto.BrokerService(
      `127.0.0.1:${cluster.broker(1).port}`,
      grpc.credentials.createInsecure(),
      GRPC_CHANNEL_OPTIONS,
    );
  });
  afterAll(async () => {
    broker?.close();
    await fjord?.close();
    await cluster?.stop();
  });

  it('delivers the good records around a bad batch, reports it once per backoff, and reads on after a seek', async () => {
    const before = ['b0', 'b1', 'b2', 'b3', 'b4'];
    const after = ['a0', 'a1', 'a2', 'a3', 'a4'];
    expect(await sendGood(before)).toEqual([0n, 1n, 2n, 3n, 4n]);
    const bad = await rawProduce(bogusLengthBatch('poison'));
    const afterOffsets = await sendGood(after);
    const consumer = fjord.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign([tp]);
    try {
      if (bad.errorCode !== 0) {
        // The broker validates records: the batch is refused naming the partition, nothing of
        // it is stored, and the consumer reads every good record in one run.
        const escaped = topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        expect(bad.errorMessage).toMatch(new RegExp(`${escaped}/0\\b|partition\\D{0,3}0\\b`, 'i'));
        expect(afterOffsets).toEqual([5n, 6n, 7n, 8n, 9n]);
        const all = await readValues(consumer, 10);
        expect(all.map((r) => r.value)).toEqual([...before, ...after]);
        return;
      }

      // The broker stored it: the consumer gets what precedes it, then the typed error.
      const badOffset = BigInt(bad.baseOffset);
      expect(badOffset).toBe(5n);
      expect(afterOffsets).toEqual([6n, 7n, 8n, 9n, 10n]);
      const delivered = await readValues(consumer, before.length);
      expect(delivered).toEqual(before.map((value, i) => ({ offset: BigInt(i), value })));
      const first = await consumer.poll(5_000).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(RecordDecodeError);
      expect(first).toMatchObject({ topic, partition: 0, offset: badOffset, nextOffset: badOffset + 1n });
      expect((first as Error).message).toContain(`topic "${topic}" partition 0`);
      expect(consumer.position(tp)).toBe(badOffset);

      // Polling on without a seek: the same error again, paced by the backoff.
      const fetchesBefore = await fetchRequests();
      let errors = 0;
      const started = Date.now();
      while (Date.now() - started < WINDOW_MS) {
        const outcome = await consumer.poll(250).catch((e: unknown) => e);
        if (outcome instanceof RecordDecodeError) {
          expect(outcome.offset).toBe(badOffset);
          errors++;
        } else expect(outcome).toEqual([]);
      }
      const fetches = (await fetchRequests()) - fetchesBefore;
      console.log(
        `poison pill: ${errors} errors and ${fetches} fetch requests in ${WINDOW_MS} ms of polling`,
      );
      // Backoff 100 ms doubling to 1 s: about 5 in 3 s. Today's spinning consumer: thousands.
      expect(errors).toBeGreaterThanOrEqual(2);
      expect(errors).toBeLessThanOrEqual(10);
      expect(fetches).toBeLessThanOrEqual(errors + 2);
      expect(consumer.position(tp)).toBe(badOffset);

      consumer.seek(tp, badOffset + 1n);
      const resumed = await readValues(consumer, after.length);
      expect(resumed).toEqual(after.map((value, i) => ({ offset: afterOffsets[i], value })));
    } finally {
      await consumer.close();
    }
  });
});
