import {
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  encodeRecordBatch,
  GRPC_CHANNEL_OPTIONS,
  loadFjordProto,
  type v1,
} from '@fjord/protocol';
import { Fjord, UnknownTopicOrPartitionError } from '@fjord/sdk';
import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from './helpers.js';

type Unary<Req, Res> = (
  req: Req,
  options: grpc.CallOptions,
  cb: (e: grpc.ServiceError | null, r?: Res) => void,
) => unknown;
const call = <Req, Res>(client: grpc.Client, fn: Unary<Req, Res>, req: Req) =>
  new Promise<Res>((resolve, reject) =>
    fn.call(client, req, { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r!))),
  );

describe('bad input', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let broker: v1.BrokerServiceClient;
  let coordinator: v1.CoordinatorServiceClient;
  const topic = randomName('guarded');

  const produce = async (records: Buffer, partition = 0, name = topic, acks = 1) => {
    const res = await call<v1.ProduceRequest, v1.ProduceResponse__Output>(broker, broker.Produce, {
      acks,
      timeoutMs: 5_000,
      topics: [{ topic: name, partitions: [{ partition, records }] }],
    });
    return res.topics[0]!.partitions[0]!;
  };
  const fetch = async (fetchOffset: string, name = topic, partition = 0) => {
    const res = await call<v1.FetchRequest, v1.FetchResponse__Output>(broker, broker.Fetch, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [
        {
          topic: name,
          partitions: [{ partition, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 }],
        },
      ],
    });
    return res.topics[0]!.partitions[0]!;
  };
  const createTopic = async (t: v1.CreatableTopic) => {
    const res = await call<v1.CreateTopicsRequest, v1.CreateTopicsResponse__Output>(
      coordinator,
      coordinator.CreateTopics,
      { topics: [t] },
    );
    return res.topics[0]!;
  };
  const latest = async () => (await fjord.admin().listOffsets(topic, 'latest'))[0]!.offset;
  const good = (value: string) =>
    encodeRecordBatch({ records: [{ key: null, value: Buffer.from(value), timestamp: Date.now() }] });

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1 });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'bad-input-test' });
    await fjord
      .admin()
      .createTopics([{ name: topic, partitions: 1, configs: { 'max.message.bytes': '2048' } }]);
    const proto = loadFjordProto().fjord.v1;
    const insecure = grpc.credentials.createInsecure();
    broker = new proto.BrokerService(`127.0.0.1:${cluster.broker(1).port}`, insecure, GRPC_CHANNEL_OPTIONS);
    coordinator = new proto.CoordinatorService(cluster.bootstrap, insecure, GRPC_CHANNEL_OPTIONS);
    expect((await produce(good('first'))).errorCode).toBe(0);
  });
  afterAll(async () => {
    broker?.close();
    coordinator?.close();
    await fjord?.close();
    await cluster?.stop();
  });

  it('refuses malformed batches with a precise code and stores nothing', async () => {
    const corrupt = good('flipped');
    corrupt[corrupt.length - 1]! ^= 0xff;
    const badMagic = good('magic');
    badMagic[16] = 1;
    const cases: Array<[string, Buffer, number]> = [
      ['bad CRC', corrupt, ErrorCode.CORRUPT_MESSAGE],
      ['truncated batch', good('truncated').subarray(0, 70), ErrorCode.CORRUPT_MESSAGE],
      ['shorter than a header', Buffer.from('hello'), ErrorCode.CORRUPT_MESSAGE],
      ['wrong magic', badMagic, ErrorCode.CORRUPT_MESSAGE],
      ['empty records', Buffer.alloc(0), ErrorCode.CORRUPT_MESSAGE],
      ['over max.message.bytes', good('x'.repeat(4096)), ErrorCode.MESSAGE_TOO_LARGE],
      [
        'good batch followed by garbage',
        Buffer.concat([good('ok'), Buffer.from([1, 2, 3])]),
        ErrorCode.CORRUPT_MESSAGE,
      ],
    ];
    for (const [name, records, code] of cases) {
      const result = await produce(records);
      expect({ name, code: result.errorCode }).toEqual({ name, code });
      expect(result.errorMessage.length).toBeGreaterThan(0);
    }
    expect(await latest()).toBe(1n);
  });

  it('refuses unknown topics and partitions, and bad acks', async () => {
    expect((await produce(good('x'), 0, randomName('nope'))).errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    expect((await produce(good('x'), 7)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce(good('x'), -1)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const badAcks = await produce(good('x'), 0, topic, 5).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(badAcks?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badAcks?.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.INVALID_REQUIRED_ACKS)]);
    expect(await latest()).toBe(1n);

    const producer = fjord.producer({ acks: 1, deliveryTimeoutMs: 60_000 });
    const started = Date.now();
    await expect(
      producer.send({ topic: randomName('missing'), messages: [{ value: 'x' }] }),
    ).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
    // Fails at once: no retrying until the delivery timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(producer.send({ topic, messages: [{ value: 'x', partition: 3 }] })).rejects.toThrow(
      /partition/i,
    );
    await producer.close();
  });

  it('answers fetches outside the log with OFFSET_OUT_OF_RANGE', async () => {
    expect((await fetch('0')).errorCode).toBe(0);
    expect((await fetch('5')).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await fetch('-1')).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await fetch('0', randomName('nope'))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await fetch('0', topic, 9)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('refuses invalid topics at creation and creates nothing', async () => {
    const name = randomName('t');
    const cases: Array<[v1.CreatableTopic, number]> = [
      [{ name: 'bad/name', partitions: 1 }, ErrorCode.INVALID_TOPIC_EXCEPTION],
      [{ name: '', partitions: 1 }, ErrorCode.INVALID_TOPIC_EXCEPTION],
      [{ name: 'x'.repeat(250), partitions: 1 }, ErrorCode.INVALID_TOPIC_EXCEPTION],
      [{ name, partitions: 0 }, ErrorCode.INVALID_PARTITIONS],
      [{ name, partitions: -3 }, ErrorCode.INVALID_PARTITIONS],
      [{ name, partitions: 1, configs: { 'retention.ms': 'soon' } }, ErrorCode.INVALID_CONFIG],
      [{ name, partitions: 1, configs: { 'no.such.config': '1' } }, ErrorCode.INVALID_CONFIG],
      [{ name: topic, partitions: 1 }, ErrorCode.TOPIC_ALREADY_EXISTS],
    ];
    for (const [request, code] of cases) {
      const result = await createTopic(request);
      expect({ request: request.name?.slice(0, 20), code: result.errorCode }).toEqual({
        request: request.name?.slice(0, 20),
        code,
      });
      expect(result.errorMessage.length).toBeGreaterThan(0);
    }
    const names = (await fjord.admin().listTopics()).map((t) => t.name);
    expect(names).not.toContain(name);
    expect(names).not.toContain('bad/name');
  });

  it('keeps serving and keeps the log intact after all of that', async () => {
    expect((await produce(good('second'))).errorCode).toBe(0);
    const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign([{ topic, partition: 0 }]);
    const records = await pollUntil(reader, 2);
    await reader.close();
    expect(records.map((r) => [Number(r.offset), r.value!.toString()])).toEqual([
      [0, 'first'],
      [1, 'second'],
    ]);
  });
});
