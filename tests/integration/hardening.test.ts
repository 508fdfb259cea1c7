import {
  crc32c,
  ErrorCode,
  encodeRecordBatch,
  GRPC_CHANNEL_OPTIONS,
  loadFjordProto,
  type v1,
} from '@fjord/protocol';
import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster, waitFor } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offsetsOf, pollUntil, range } from './helpers.js';

// The three measured cases of issue #12, against a real cluster (broker side of the poison pill).

/** A CRC-valid batch whose first record's length varint claims 1 MiB (zig-zag 2^21). */
function poisonPill(): Buffer {
  const batch = encodeRecordBatch({
    records: [{ key: null, value: Buffer.from('poison'), timestamp: Date.now() }],
  });
  const claimed = Buffer.from([0x80, 0x80, 0x80, 0x01]);
  const poisoned = Buffer.concat([batch.subarray(0, 61), claimed, batch.subarray(62)]);
  poisoned.writeInt32BE(poisoned.length - 12, 8);
  poisoned.writeUInt32BE(crc32c(poisoned.subarray(21)), 17);
  return poisoned;
}

describe('hardening against bad input (issue #12)', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let broker: v1.BrokerServiceClient;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1 });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'hardening-test' });
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

  const produceRaw = (topic: string, records: Buffer) =>
    new Promise<v1.ProducePartitionResult__Output>((resolve, reject) =>
      broker.Produce(
        { acks: 1, timeoutMs: 5_000, topics: [{ topic, partitions: [{ partition: 0, records }] }] },
        { deadline: Date.now() + 10_000 },
        (error, response) => (error ? reject(error) : resolve(response!.topics[0]!.partitions[0]!)),
      ),
    );

  it('refuses the poison pill naming partition and record, stores none of it, and the good records around it are read', async () => {
    const topic = randomName('poison');
    await fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
    const good = (value: string) =>
      encodeRecordBatch({ records: [{ key: null, value: Buffer.from(value), timestamp: Date.now() }] });
    expect((await produceRaw(topic, good('before'))).errorCode).toBe(ErrorCode.NONE);
    const refused = await produceRaw(topic, Buffer.concat([good('same-request'), poisonPill()]));
    expect(refused.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(refused.errorMessage).toContain(`${topic}/0 batch 1 record 0 (byte 0) declares a length of`);
    expect((await produceRaw(topic, good('after'))).errorCode).toBe(ErrorCode.NONE);

    const consumer = fjord.consumer({ autoOffsetReset: 'earliest' });
    try {
      await consumer.assign([{ topic, partition: 0 }]);
      const records = await pollUntil(consumer, 2, 20_000);
      expect(records.map((r) => r.value!.toString())).toEqual(['before', 'after']);
      expect(offsetsOf(records)).toEqual([0, 1]);
    } finally {
      await consumer.close();
    }
  });

  it('a recreated topic does not inherit its predecessor’s committed offsets: the group reads from offset 0', async () => {
    const topic = randomName('recreated');
    const groupId = randomName('g');
    const admin = fjord.admin();
    const producer = fjord.producer({ acks: 1 });
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    await producer.send({ topic, messages: range(0, 100).map((i) => ({ value: `old-${i}` })) });
    const first = fjord.consumer({ groupId, autoOffsetReset: 'earliest' });
    await first.subscribe([topic]);
    expect(await pollUntil(first, 100, 30_000)).toHaveLength(100);
    await first.commit();
    expect((await first.committed([{ topic, partition: 0 }]))[0]!.offset).toBe(100n);
    await first.close();

    await admin.deleteTopics([topic]);
    await waitFor(async () => !(await admin.listTopics()).some((t) => t.name === topic), {
      timeoutMs: 15_000,
      message: 'topic deleted',
    });
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    await waitFor(
      async () =>
        admin
          .listOffsets(topic, 'latest')
          .then((offsets) => offsets[0]?.offset === 0n)
          .catch(() => false),
      { timeoutMs: 15_000, message: 'the broker hosts the recreated topic' },
    );
    await producer.send({ topic, messages: range(0, 150).map((i) => ({ value: `new-${i}` })) });

    const second = fjord.consumer({ groupId, autoOffsetReset: 'earliest' });
    try {
      await second.subscribe([topic]);
      const records = await pollUntil(second, 150, 30_000);
      expect(records.map((r) => r.value!.toString())).toEqual(range(0, 150).map((i) => `new-${i}`));
      expect(offsetsOf(records)).toEqual(range(0, 150));
      expect(records[0]!.value!.toString()).toBe('new-0');
    } finally {
      await second.close();
      await producer.close();
    }
  });

  it('the coordinator answers within a second while a ^(a+)+$ subscription is active with a topic aaaa…a- present', async () => {
    const admin = fjord.admin();
    const trap = `${'a'.repeat(48)}-`;
    const matching = 'a'.repeat(12);
    await admin.createTopics([
      { name: trap, partitions: 1 },
      { name: matching, partitions: 1 },
    ]);
    const consumer = fjord.consumer({ groupId: randomName('regex'), autoOffsetReset: 'earliest' });
    try {
      await consumer.subscribe(/^(a+)+$/);
      const deadline = Date.now() + 5_000;
      let answers = 0;
      while (Date.now() < deadline) {
        await consumer.poll(100);
        const started = Date.now();
        const answered = await Promise.race([
          admin.describeCluster().then(() => true),
          new Promise<false>((resolve) => setTimeout(() => resolve(false), 1_000).unref()),
        ]);
        expect(answered, `DescribeCluster answered within 1 s (${Date.now() - started} ms)`).toBe(true);
        answers++;
      }
      expect(answers).toBeGreaterThan(3);
      await waitFor(
        async () => {
          await consumer.poll(100);
          return consumer.assignment().some((tp) => tp.topic === matching);
        },
        { timeoutMs: 15_000, message: 'the regex subscription owns the matching topic' },
      );
      expect(consumer.assignment().map((tp) => tp.topic)).toEqual([matching]);
    } finally {
      await consumer.close();
    }
  });
});
