import {
  COMPRESSION_NAMES,
  Compression,
  compressionCode,
  ErrorCode,
  encodeRecordBatch,
  GRPC_CHANNEL_OPTIONS,
  loadCompressionCodecs,
  loadFjordProto,
  splitBatches,
  type v1,
} from '@fjord/protocol';
import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, range } from './helpers.js';

describe('producer features end to end', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let broker: v1.BrokerServiceClient;

  const call = <Req, Res>(
    fn: (r: Req, o: grpc.CallOptions, cb: grpc.requestCallback<Res>) => unknown,
    req: Req,
  ) =>
    new Promise<Res>((resolve, reject) =>
      fn.call(broker, req, { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r!))),
    );

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1 });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'producer-features-test' });
    const proto = loadFjordProto().fjord.v1;
    broker = new proto.BrokerService(
      `127.0.0.1:${cluster.broker(1).port}`,
      grpc.credentials.createInsecure(),
      GRPC_CHANNEL_OPTIONS,
    );
    await loadCompressionCodecs();
  });
  afterAll(async () => {
    broker?.close();
    await fjord?.close();
    await cluster?.stop();
  });

  for (const codec of COMPRESSION_NAMES) {
    it(`round-trips ${codec} batches through the broker and a consumer, stored as sent`, async () => {
      const topic = randomName(`codec-${codec}`);
      await fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
      const producer = fjord.producer({ acks: 1, compression: codec, lingerMs: 20 });
      const values = range(0, 300).map((i) => `record ${i} ${'compressible '.repeat(10)}`);
      await Promise.all(
        values.map((value, i) => producer.send({ topic, messages: [{ key: `k${i % 7}`, value }] })),
      );
      await producer.close();

      const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
      await reader.assign([{ topic, partition: 0 }]);
      const records = await pollUntil(reader, values.length);
      await reader.close();
      expect(records.map((r) => r.value!.toString())).toEqual(values);

      // The stored batches carry the codec's attribute bits and are smaller than the records.
      const fetched = await call<v1.FetchRequest, v1.FetchResponse__Output>(broker.Fetch, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 16 << 20,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', partitionMaxBytes: 16 << 20 }] }],
      });
      const batches = splitBatches(fetched.topics[0]!.partitions[0]!.records);
      expect(batches.length).toBeGreaterThan(0);
      for (const { header } of batches) expect(header.compression).toBe(compressionCode(codec));
      const storedBytes = batches.reduce((sum, b) => sum + b.bytes.length, 0);
      const rawBytes = values.reduce((sum, v) => sum + v.length, 0);
      if (codec === 'none') expect(storedBytes).toBeGreaterThan(rawBytes);
      else expect(storedBytes).toBeLessThan(rawBytes / 2);
    });
  }

  it('refuses a decompression bomb and stores nothing', async () => {
    const topic = randomName('bomb');
    await fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
    // 64 MiB of zeros compress to a batch of ~65 KB; the topic accepts 1 MiB per batch.
    const bomb = encodeRecordBatch({
      compression: Compression.Gzip,
      records: [{ key: null, value: Buffer.alloc(64 << 20), timestamp: Date.now() }],
    });
    expect(bomb.length).toBeLessThan(1 << 20);
    const response = await call<v1.ProduceRequest, v1.ProduceResponse__Output>(broker.Produce, {
      acks: 1,
      timeoutMs: 10_000,
      topics: [{ topic, partitions: [{ partition: 0, records: bomb }] }],
    });
    const result = response.topics[0]!.partitions[0]!;
    expect(result.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(result.errorMessage).toMatch(/decompress|max\.message\.bytes/i);
    expect((await fjord.admin().listOffsets(topic, 'latest'))[0]!.offset).toBe(0n);
  });

  it('stamps LogAppendTime topics with the broker time, and keeps CreateTime as sent', async () => {
    const appendTime = randomName('log-append-time');
    const createTime = randomName('create-time');
    await fjord.admin().createTopics([
      { name: appendTime, partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } },
      { name: createTime, partitions: 1 },
    ]);
    const producer = fjord.producer({ acks: 1 });
    const sentAt = Date.now() - 3_600_000;
    const before = Date.now();
    const [stamped] = await producer.send({
      topic: appendTime,
      messages: [{ value: 'a', timestamp: sentAt }],
    });
    const after = Date.now();
    const [kept] = await producer.send({ topic: createTime, messages: [{ value: 'c', timestamp: sentAt }] });
    await producer.close();
    expect(stamped!.timestamp).toBeGreaterThanOrEqual(before);
    expect(stamped!.timestamp).toBeLessThanOrEqual(after);
    expect(kept!.timestamp).toBe(sentAt);

    const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign([
      { topic: appendTime, partition: 0 },
      { topic: createTime, partition: 0 },
    ]);
    const records = await pollUntil(reader, 2);
    await reader.close();
    expect(records.find((r) => r.topic === appendTime)!.timestamp).toBe(stamped!.timestamp);
    expect(records.find((r) => r.topic === createTime)!.timestamp).toBe(sentAt);
  });
});
