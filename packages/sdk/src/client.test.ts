// The SDK against a small in-process gRPC server speaking the Fjord contract with an
// in-memory log. It exercises the wire path (batching, grouping, retries, positions) without
// the real apps; end-to-end tests against real processes live in tests/integration.

import {
  type BatchHeader,
  ErrorCode,
  loadFjordProto,
  partitionForKey,
  patchBaseOffset,
  splitBatches,
  type v1,
} from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bogusLengthBatch } from './consumer/record-batches.fixture.js';
import {
  FjordAggregateError,
  FjordError,
  InvalidArgumentError,
  MessageTooLargeError,
  NoOffsetForPartitionError,
  OffsetOutOfRangeError,
  TopicAlreadyExistsError,
  UnknownTopicOrPartitionError,
} from './errors.js';
import { Fjord } from './fjord.js';
import { RecordDecodeError } from './record-decode-error.js';
import { stringDeserializer } from './serde.js';

interface FakeTopic {
  id: string;
  logs: Buffer[][];
  next: bigint[];
  configs: Record<string, string>;
}

class FakeCluster {
  readonly topics = new Map<string, FakeTopic>();
  readonly produceRequests: v1.ProduceRequest__Output[] = [];
  readonly fetchRequests: v1.FetchRequest__Output[] = [];
  /** Error codes returned once, per partition, by the next Produce requests. */
  readonly produceFailures = new Map<number, number[]>();
  /** False: ProduceStream is answered UNIMPLEMENTED, as by a broker from before it. */
  servesProduceStream = true;
  produceStreamsRefused = 0;
  /** An error code every Fetch of the partition answers, per partition. */
  readonly fetchErrors = new Map<number, number>();
  server = new grpc.Server();
  port = 0;

  async start(): Promise<string> {
    const proto = loadFjordProto().fjord.v1;
    const unary =
      <Req, Res>(fn: (req: Req) => Res | Promise<Res>) =>
      (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
        Promise.resolve(fn(call.request)).then(
          (res) => callback(null, res),
          (err: Error) => callback(err),
        );
      };
    this.server.addService(proto.CoordinatorService.service, {
      GetMetadata: unary((req: v1.GetMetadataRequest__Output) => this.metadata(req.topics)),
      CreateTopics: unary((req: v1.CreateTopicsRequest__Output) => ({
        topics: req.topics.map((t) => {
          if (this.topics.has(t.name)) return { name: t.name, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS };
          this.topics.set(t.name, {
            id: `id-${t.name}`,
            logs: Array.from({ length: t.partitions }, () => []),
            next: Array.from({ length: t.partitions }, () => 0n),
            configs: { ...t.configs },
          });
          return { name: t.name, topicId: `id-${t.name}`, errorCode: 0 };
        }),
      })),
      DeleteTopics: unary((req: v1.DeleteTopicsRequest__Output) => ({
        topics: req.topics.map((name) => ({
          name,
          errorCode: this.topics.delete(name) ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
      ListTopics: unary(() => ({
        topics: [...this.topics].map(([name, t]) => ({ name, topicId: t.id, partitions: t.logs.length })),
      })),
      DescribeTopics: unary((req: v1.DescribeTopicsRequest__Output) => ({
        topics: this.metadata(req.topics).topics,
      })),
      DescribeCluster: unary(() => ({
        clusterId: 'fake',
        coordinator: `127.0.0.1:${this.port}`,
        brokers: [{ id: 1, host: '127.0.0.1', port: this.port, alive: true }],
      })),
      AlterTopicConfigs: unary(() => ({ topics: [] })),
      RegisterBroker: unary(() => ({})),
      BrokerHeartbeat: unary(() => ({})),
    });
    // Producers are idempotent by default and get their id here first.
    let nextProducerId = 1000n;
    this.server.addService(proto.ProducerIdService.service, {
      InitProducerId: unary(() => ({ producerId: String(nextProducerId++), producerEpoch: 0 })),
    });
    this.server.addService(proto.BrokerService.service, {
      Produce: unary((req: v1.ProduceRequest__Output) => this.produce(req)),
      ProduceStream: (
        call: grpc.ServerDuplexStream<v1.ProduceStreamRequest__Output, v1.ProduceStreamResponse>,
      ) => {
        if (!this.servesProduceStream) {
          this.produceStreamsRefused++;
          call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'ProduceStream is not served' });
          return;
        }
        call.sendMetadata(new grpc.Metadata());
        call.on('data', (message: v1.ProduceStreamRequest__Output) => {
          const response = this.produce(message.request!);
          if (message.request!.acks !== 0) call.write({ correlationId: message.correlationId, response });
        });
        call.on('end', () => call.end());
      },
      Fetch: unary((req: v1.FetchRequest__Output) => this.fetch(req)),
      ListOffsets: unary((req: v1.ListOffsetsRequest__Output) => ({
        topics: req.topics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => {
            const topic = this.topics.get(t.topic) as FakeTopic;
            const offset = Number(p.timestamp) === -2 ? 0n : (topic.next[p.partition] as bigint);
            return { partition: p.partition, errorCode: 0, offset: String(offset), timestamp: '-1' };
          }),
        })),
      })),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) =>
        e ? reject(e) : resolve(port),
      ),
    );
    return `127.0.0.1:${this.port}`;
  }

  metadata(names: readonly string[]): v1.GetMetadataResponse {
    const wanted = names.length > 0 ? names : [...this.topics.keys()];
    return {
      clusterId: 'fake',
      brokers: [{ id: 1, host: '127.0.0.1', port: this.port, alive: true }],
      topics: wanted.map((name) => {
        const t = this.topics.get(name);
        if (!t) return { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        return {
          name,
          topicId: t.id,
          configs: t.configs,
          partitions: t.logs.map((_, partition) => ({
            partition,
            leader: 1,
            leaderEpoch: 0,
            replicas: [1],
            isr: [1],
            elr: [],
          })),
        };
      }),
    };
  }

  produce(req: v1.ProduceRequest__Output): v1.ProduceResponse {
    this.produceRequests.push(req);
    return {
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const failure = this.produceFailures.get(p.partition)?.shift();
          if (failure !== undefined) return { partition: p.partition, errorCode: failure, baseOffset: '-1' };
          const topic = this.topics.get(t.topic) as FakeTopic;
          const base = topic.next[p.partition] as bigint;
          for (const { header, bytes } of splitBatches(p.records)) {
            const copy = Buffer.from(bytes);
            patchBaseOffset(copy, topic.next[p.partition] as bigint);
            (topic.logs[p.partition] as Buffer[]).push(copy);
            topic.next[p.partition] =
              (topic.next[p.partition] as bigint) + BigInt(header.lastOffsetDelta + 1);
          }
          return {
            partition: p.partition,
            errorCode: 0,
            baseOffset: req.acks === 0 ? '-1' : String(base),
            logAppendTimeMs: '-1',
          };
        }),
      })),
    };
  }

  async fetch(req: v1.FetchRequest__Output): Promise<v1.FetchResponse> {
    this.fetchRequests.push(req);
    const answer = (): { response: v1.FetchResponse; bytes: number } => {
      let bytes = 0;
      const response = {
        topics: req.topics.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => {
            const failure = this.fetchErrors.get(p.partition);
            if (failure !== undefined) {
              bytes = Number.POSITIVE_INFINITY;
              return { partition: p.partition, errorCode: failure };
            }
            const topic = this.topics.get(t.topic) as FakeTopic;
            const next = topic.next[p.partition] as bigint;
            const offset = BigInt(p.fetchOffset);
            if (offset > next) {
              bytes = Number.POSITIVE_INFINITY; // errors are answered at once, as brokers do
              return { partition: p.partition, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
            }
            const batches = (topic.logs[p.partition] as Buffer[]).filter((b) => {
              const header = splitBatches(b)[0]?.header as BatchHeader;
              return header.baseOffset + BigInt(header.lastOffsetDelta) >= offset;
            });
            const records = Buffer.concat(batches);
            bytes += records.length;
            return { partition: p.partition, errorCode: 0, highWatermark: String(next), records };
          }),
        })),
      };
      return { response, bytes };
    };
    const first = answer();
    if (first.bytes >= req.minBytes) return first.response;
    await new Promise((resolve) => setTimeout(resolve, req.maxWaitMs));
    return answer().response;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

let cluster: FakeCluster;
let fjord: Fjord;

beforeEach(async () => {
  cluster = new FakeCluster();
  const address = await cluster.start();
  fjord = new Fjord({
    bootstrap: [address],
    requestTimeoutMs: 5000,
    retry: { initialRetryMs: 5, maxRetryMs: 20 },
  });
});

afterEach(async () => {
  await fjord.close();
  cluster.stop();
});

describe('admin', () => {
  it('creates, lists and describes topics and the cluster', async () => {
    const admin = fjord.admin();
    await admin.createTopics([{ name: 'orders', partitions: 3, configs: { 'retention.ms': '1000' } }]);
    expect(await admin.listTopics()).toEqual([{ name: 'orders', id: 'id-orders', partitions: 3 }]);
    const [described] = await admin.describeTopics(['orders']);
    expect(described?.configs).toEqual({ 'retention.ms': '1000' });
    expect(described?.partitions).toHaveLength(3);
    expect(described?.partitions[2]).toEqual({
      partition: 2,
      leader: 1,
      replicas: [1],
      isr: [1],
      elr: [],
      leaderEpoch: 0,
    });
    const description = await admin.describeCluster();
    expect(description.clusterId).toBe('fake');
    expect(description.brokers).toEqual([{ id: 1, host: '127.0.0.1', port: cluster.port, alive: true }]);
  });

  it('throws the failing topic’s error, or an aggregate when several fail', async () => {
    const admin = fjord.admin();
    await admin.createTopics([
      { name: 'a', partitions: 1 },
      { name: 'b', partitions: 1 },
    ]);
    await expect(admin.createTopics([{ name: 'a', partitions: 1 }])).rejects.toBeInstanceOf(
      TopicAlreadyExistsError,
    );
    const error = await admin
      .createTopics([
        { name: 'a', partitions: 1 },
        { name: 'b', partitions: 1 },
        { name: 'c', partitions: 1 },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FjordAggregateError);
    expect((error as FjordAggregateError).errors).toHaveLength(2);
    expect(cluster.topics.has('c')).toBe(true);
  });

  it('validates topics before sending anything', async () => {
    await expect(fjord.admin().createTopics([{ name: 'bad name', partitions: 0 }])).rejects.toThrow(
      /may contain only.*partitions must be an integer >= 1/,
    );
    expect(cluster.topics.size).toBe(0);
  });

  it('lists earliest and latest offsets per partition', async () => {
    await fjord.admin().createTopics([{ name: 'orders', partitions: 2 }]);
    await fjord.producer().send({
      topic: 'orders',
      messages: [
        { value: 'a', partition: 1 },
        { value: 'b', partition: 1 },
      ],
    });
    expect(await fjord.admin().listOffsets('orders', 'latest')).toEqual([
      { partition: 0, offset: 0n },
      { partition: 1, offset: 2n },
    ]);
    expect(await fjord.admin().listOffsets('orders', 'earliest')).toEqual([
      { partition: 0, offset: 0n },
      { partition: 1, offset: 0n },
    ]);
  });
});

describe('producer', () => {
  beforeEach(async () => {
    await fjord.admin().createTopics([{ name: 'orders', partitions: 3 }]);
  });

  it('sends one batch per partition in one request per broker, results in input order', async () => {
    const keys = ['user-1', 'user-2', 'user-3', 'user-1', 'user-4', 'user-5'];
    const results = await fjord.producer().send({
      topic: 'orders',
      messages: keys.map((key, i) => ({
        key,
        value: `v${i}`,
        headers: { source: 'web' },
        timestamp: 1000 + i,
      })),
    });
    expect(cluster.produceRequests).toHaveLength(1);
    const request = cluster.produceRequests[0] as v1.ProduceRequest__Output;
    expect(request.acks).toBe(-1);
    for (const p of request.topics[0]?.partitions ?? []) expect(splitBatches(p.records)).toHaveLength(1);
    const perPartition = new Map<number, bigint>();
    results.forEach((meta, i) => {
      const partition = partitionForKey(Buffer.from(keys[i] as string), 3);
      const expected = perPartition.get(partition) ?? 0n;
      perPartition.set(partition, expected + 1n);
      expect(meta).toEqual({ topic: 'orders', partition, offset: expected, timestamp: 1000 + i });
    });
  });

  it('fails at once for an unknown topic, sending nothing', async () => {
    const error = await fjord
      .producer()
      .send({ topic: 'nope', messages: [{ value: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(cluster.produceRequests).toHaveLength(0);
  });

  it('rejects bad input and out-of-range partitions before sending anything', async () => {
    const producer = fjord.producer();
    await expect(
      producer.send({ topic: 'orders', messages: [{ value: 'ok' }, { value: 'x', partition: 3 }] }),
    ).rejects.toThrow(/partition 3 does not exist/);
    await expect(producer.send({ topic: 'orders', messages: [] })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      producer.send({ topic: 'orders', messages: [{ value: 42 as unknown as string }] }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(producer.send({ topic: 'bad topic', messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(cluster.produceRequests).toHaveLength(0);
  });

  it('retries only the partitions that failed retriably', async () => {
    cluster.produceFailures.set(1, [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.LEADER_NOT_AVAILABLE]);
    const results = await fjord.producer().send({
      topic: 'orders',
      messages: [0, 1, 2].map((partition) => ({ value: `p${partition}`, partition })),
    });
    expect(results.map((r) => [r.partition, r.offset])).toEqual([
      [0, 0n],
      [1, 0n],
      [2, 0n],
    ]);
    expect(cluster.produceRequests.map((r) => r.topics[0]?.partitions.map((p) => p.partition))).toEqual([
      [0, 1, 2],
      [1],
      [1],
    ]);
  });

  it('retries an out-of-order answer to a batch sent behind an unacknowledged one (idempotent)', async () => {
    // The second request overtook the first on its way to the broker: refused as out of order.
    cluster.produceFailures.set(0, [undefined, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER] as number[]);
    const producer = fjord.producer({ lingerMs: 0 });
    const big = (i: number) => ({ value: `${'x'.repeat(40_000)}${i}`, partition: 0 });
    const results = await Promise.all(
      [0, 1].map((i) => producer.send({ topic: 'orders', messages: [big(i)] })),
    );
    expect(results.map(([r]) => r!.offset)).toEqual([0n, 1n]);
    expect(cluster.produceRequests).toHaveLength(3);
    // A batch sent when every earlier one was acknowledged: the broker lost the producer.
    cluster.produceFailures.set(0, [ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER]);
    await expect(producer.send({ topic: 'orders', messages: [big(2)] })).rejects.toMatchObject({
      code: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    });
    expect(cluster.produceRequests).toHaveLength(4);
  });

  it('rejects with a non-retriable partition error without retrying', async () => {
    cluster.produceFailures.set(0, [ErrorCode.MESSAGE_TOO_LARGE]);
    await expect(
      fjord.producer().send({ topic: 'orders', messages: [{ value: 'x', partition: 0 }] }),
    ).rejects.toBeInstanceOf(MessageTooLargeError);
    expect(cluster.produceRequests).toHaveLength(1);
  });

  it('gives up after deliveryTimeoutMs with the last cause', async () => {
    cluster.produceFailures.set(0, Array(1000).fill(ErrorCode.NOT_LEADER_OR_FOLLOWER));
    // acks 1: no producer id to fetch first, so under load the deadline cannot pass before the
    // first attempt (which would leave no cause to report).
    const error = await fjord
      .producer({ acks: 1, deliveryTimeoutMs: 2_000 })
      .send({ topic: 'orders', messages: [{ value: 'x', partition: 0 }] })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('DeliveryTimeoutError');
    expect(((error as Error).cause as Error).name).toBe('NotLeaderError');
  });

  it('reports -1n offsets with acks=0', async () => {
    const [meta] = await fjord.producer({ acks: 0 }).send({ topic: 'orders', messages: [{ value: 'x' }] });
    expect(meta?.offset).toBe(-1n);
    // Reported sent once written, as acks=0 is: the broker may get it a moment later.
    await vi.waitFor(() => expect(cluster.produceRequests[0]?.acks).toBe(0));
  });

  it('falls back to unary Produce calls on a broker without ProduceStream, losing no acks=0 send', async () => {
    cluster.servesProduceStream = false;
    const [unanswered] = await fjord
      .producer({ acks: 0 })
      // On partition 0: the sends below count offsets on partition 1 from 0.
      .send({ topic: 'orders', messages: [{ value: 'a', partition: 0 }] });
    expect(unanswered?.offset).toBe(-1n);
    await vi.waitFor(() => expect(cluster.produceRequests).toHaveLength(1));
    const producer = fjord.producer();
    const sent = await Promise.all(
      [0, 1].map((i) => producer.send({ topic: 'orders', messages: [{ value: `v${i}`, partition: 1 }] })),
    );
    // Each stored once, in order, whether the two went in one request or two.
    expect(sent.map(([r]) => r!.offset)).toEqual([0n, 1n]);
    expect(cluster.produceStreamsRefused).toBeGreaterThan(0);
  });
});

describe('consumer (assign mode)', () => {
  beforeEach(async () => {
    await fjord.admin().createTopics([{ name: 'orders', partitions: 2 }]);
    const producer = fjord.producer();
    // Three batches on partition 0: offsets 0-2, 3-4, 5.
    await producer.send({
      topic: 'orders',
      messages: [0, 1, 2].map((i) => ({ key: `k${i}`, value: `v${i}`, partition: 0 })),
    });
    await producer.send({
      topic: 'orders',
      messages: [3, 4].map((i) => ({ value: `v${i}`, partition: 0, headers: { n: `${i}` } })),
    });
    await producer.send({ topic: 'orders', messages: [{ value: 'v5', partition: 0 }] });
  });

  it('reads from a sought offset, skipping earlier records of the first batch', async () => {
    const reader = fjord.consumer({ valueDeserializer: stringDeserializer });
    await reader.assign([{ topic: 'orders', partition: 0 }]);
    reader.seek({ topic: 'orders', partition: 0 }, 1n);
    const seen: string[] = [];
    while (seen.length < 5) for (const r of await reader.poll(1000)) seen.push(`${r.offset}:${r.value}`);
    expect(seen).toEqual(['1:v1', '2:v2', '3:v3', '4:v4', '5:v5']);
    expect(reader.position({ topic: 'orders', partition: 0 })).toBe(6n);
    await reader.close();
  });

  it('hands out at most maxPollRecords per poll and Buffers without deserializers', async () => {
    const reader = fjord.consumer({ autoOffsetReset: 'earliest', maxPollRecords: 2 });
    await reader.assign([{ topic: 'orders', partition: 0 }]);
    const first = await reader.poll(1000);
    expect(first.map((r) => r.offset)).toEqual([0n, 1n]);
    expect(first[0]?.key).toEqual(Buffer.from('k0'));
    expect(first[0]?.value).toEqual(Buffer.from('v0'));
    const rest: bigint[] = [];
    while (rest.length < 4) {
      const records = await reader.poll(1000);
      expect(records.length).toBeLessThanOrEqual(2);
      rest.push(...records.map((r) => r.offset));
    }
    expect(rest).toEqual([2n, 3n, 4n, 5n]);
    await reader.close();
  });

  it('starts at the end with autoOffsetReset latest, and returns [] when nothing arrives', async () => {
    const reader = fjord.consumer({ fetchMaxWaitMs: 50 });
    await reader.assign([{ topic: 'orders', partition: 0 }]);
    const started = Date.now();
    expect(await reader.poll(200)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(reader.position({ topic: 'orders', partition: 0 })).toBe(6n);
    await fjord
      .producer()
      .send({ topic: 'orders', messages: [{ value: 'new', partition: 0, headers: { h: 'x' } }] });
    const records: Array<{ offset: bigint; headers: Record<string, Buffer | null> }> = [];
    while (records.length === 0) records.push(...(await reader.poll(1000)));
    expect(records[0]?.offset).toBe(6n);
    expect(records[0]?.headers).toEqual({ h: Buffer.from('x') });
    await reader.close();
  });

  it('resets an out-of-range position, or rejects with autoOffsetReset none', async () => {
    const resetting = fjord.consumer({ autoOffsetReset: 'earliest' });
    await resetting.assign([{ topic: 'orders', partition: 0 }]);
    resetting.seek({ topic: 'orders', partition: 0 }, 100n);
    const records = [];
    while (records.length === 0) records.push(...(await resetting.poll(1000)));
    expect(records[0]?.offset).toBe(0n);

    const strict = fjord.consumer({ autoOffsetReset: 'none' });
    await strict.assign([{ topic: 'orders', partition: 0 }]);
    await expect(strict.poll(100)).rejects.toBeInstanceOf(NoOffsetForPartitionError);
    strict.seek({ topic: 'orders', partition: 0 }, 100n);
    const error = await strict.poll(1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect((error as Error).message).toMatch(/offset 100 .*topic "orders" partition 0/);
  });

  it('supports seekToBeginning / seekToEnd and rejects unknown partitions', async () => {
    const reader = fjord.consumer();
    await expect(reader.assign([{ topic: 'orders', partition: 7 }])).rejects.toBeInstanceOf(
      UnknownTopicOrPartitionError,
    );
    const tp = { topic: 'orders', partition: 0 };
    await reader.assign([tp]);
    await reader.seekToEnd([tp]);
    expect(reader.position(tp)).toBe(6n);
    await reader.seekToBeginning([tp]);
    expect(reader.position(tp)).toBe(0n);
    expect(reader.assignment()).toEqual([tp]);
    expect(() => reader.seek({ topic: 'orders', partition: 1 }, 0n)).toThrow(/not assigned/);
  });

  it('fetches a partition assigned or resumed during a long-poll at once, not after the wait', async () => {
    // Partition 1 is empty: a Fetch of it alone waits at the broker for the whole poll.
    const reader = fjord.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 10_000 });
    const [p0, p1] = [
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 1 },
    ];
    const onlyP1Waiting = async () => {
      const seen = cluster.fetchRequests.length;
      await vi.waitFor(() => {
        const last = cluster.fetchRequests.slice(seen).at(-1);
        expect(last?.topics.flatMap((t) => t.partitions.map((p) => p.partition))).toEqual([1]);
      });
    };
    await reader.assign([p1]);
    let waiting = onlyP1Waiting();
    let pending = reader.poll(5_000);
    await waiting;
    // Without cancelling the waiting Fetch, p0 would be fetched only after it ends: this poll
    // would return nothing.
    await reader.assign([p1, p0]);
    expect((await pending).map((r) => r.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);

    reader.seek(p0, 0n);
    reader.pause([p0]);
    waiting = onlyP1Waiting();
    pending = reader.poll(5_000);
    await waiting;
    reader.resume([p0]);
    expect((await pending).map((r) => r.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    await reader.close();
  });

  it('iterates with for await until close()', async () => {
    const reader = fjord.consumer({ autoOffsetReset: 'earliest', valueDeserializer: stringDeserializer });
    await reader.assign([{ topic: 'orders', partition: 0 }]);
    const values: string[] = [];
    for await (const record of reader) {
      values.push(record.value as string);
      if (values.length === 6) void reader.close();
    }
    expect(values).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    await expect(reader.poll(10)).rejects.toThrow(/closed/);
  });
});

describe('consumer and a batch it cannot decode', () => {
  const tp = { topic: 'orders', partition: 0 };
  let careful: Fjord;

  beforeEach(async () => {
    // Backoff long enough to tell a paced consumer from a spinning one.
    careful = new Fjord({
      bootstrap: [`127.0.0.1:${cluster.port}`],
      retry: { initialRetryMs: 100, maxRetryMs: 400, jitter: 0 },
    });
    await fjord.admin().createTopics([{ name: 'orders', partitions: 1 }]);
    const producer = fjord.producer();
    await producer.send({
      topic: 'orders',
      messages: [0, 1, 2].map((i) => ({ value: `v${i}`, partition: 0 })),
    });
    // Offset 3: CRC-valid, but its record claims 1 MiB (stored as a broker without record checks would).
    const topic = cluster.topics.get('orders') as FakeTopic;
    (topic.logs[0] as Buffer[]).push(bogusLengthBatch(3n, 1));
    topic.next[0] = 4n;
    await producer.send({ topic: 'orders', messages: [4, 5].map((i) => ({ value: `v${i}`, partition: 0 })) });
  });

  afterEach(async () => {
    await careful.close();
  });

  it('hands out the records before it, then one RecordDecodeError per backoff, and resumes after a seek', async () => {
    const reader = careful.consumer({ autoOffsetReset: 'earliest', valueDeserializer: stringDeserializer });
    await reader.assign([tp]);
    const before: bigint[] = [];
    while (before.length < 3) before.push(...(await reader.poll(1000)).map((r) => r.offset));
    expect(before).toEqual([0n, 1n, 2n]);

    const error = await reader.poll(1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordDecodeError);
    expect(error).toBeInstanceOf(FjordError);
    expect(error).toMatchObject({
      code: 'RECORD_DECODE_ERROR',
      topic: 'orders',
      partition: 0,
      offset: 3n,
      nextOffset: 4n,
    });
    expect(reader.position(tp)).toBe(3n);

    // Polling on without seeking: the same error again, paced by the backoff (100, 200, 400,
    // 400 ms ...), never a tight loop of fetches.
    const fetchesBefore = cluster.fetchRequests.length;
    const started = Date.now();
    let errors = 0;
    while (Date.now() - started < 1_500) {
      const outcome = await reader.poll(200).catch((e: unknown) => e);
      if (outcome instanceof RecordDecodeError) {
        expect(outcome.offset).toBe(3n);
        errors++;
      } else expect(outcome).toEqual([]);
    }
    const fetches = cluster.fetchRequests.length - fetchesBefore;
    expect(errors).toBeGreaterThanOrEqual(2);
    expect(errors).toBeLessThanOrEqual(6);
    expect(fetches).toBeLessThanOrEqual(errors + 1);

    reader.seek(tp, (error as RecordDecodeError).nextOffset as bigint);
    const after: string[] = [];
    while (after.length < 2) after.push(...(await reader.poll(1000)).map((r) => `${r.offset}:${r.value}`));
    expect(after).toEqual(['4:v4', '5:v5']);
    await reader.close();
  });

  it('backs off a partition whose fetch fails for good, instead of asking again at once', async () => {
    const reader = careful.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign([tp]);
    expect((await reader.poll(1000)).map((r) => r.offset)).toEqual([0n, 1n, 2n]);
    cluster.fetchErrors.set(0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    reader.seek(tp, 4n);
    const fetchesBefore = cluster.fetchRequests.length;
    const started = Date.now();
    let errors = 0;
    while (Date.now() - started < 1_000) {
      const outcome = await reader.poll(100).catch((e: unknown) => e);
      if (outcome instanceof UnknownTopicOrPartitionError) errors++;
      else expect(outcome).toEqual([]);
    }
    // 100, 200, 400 ms between attempts: a handful, where asking at once made hundreds.
    expect(errors).toBeGreaterThanOrEqual(2);
    expect(errors).toBeLessThanOrEqual(6);
    expect(cluster.fetchRequests.length - fetchesBefore).toBeLessThanOrEqual(errors + 1);
    cluster.fetchErrors.delete(0);
    const resumed: bigint[] = [];
    const deadline = Date.now() + 5_000;
    while (resumed.length < 2 && Date.now() < deadline)
      resumed.push(...(await reader.poll(500)).map((r) => r.offset));
    expect(resumed).toEqual([4n, 5n]);
    await reader.close();
  });

  it('ends for-await and rejects run() with the error, after the records before it', async () => {
    const iterating = careful.consumer({ autoOffsetReset: 'earliest' });
    await iterating.assign([tp]);
    const iterated: bigint[] = [];
    const iteration = (async () => {
      for await (const record of iterating) iterated.push(record.offset);
    })();
    await expect(iteration).rejects.toMatchObject({ name: 'RecordDecodeError', offset: 3n });
    expect(iterated).toEqual([0n, 1n, 2n]);
    await iterating.close();

    const running = careful.consumer({ autoOffsetReset: 'earliest' });
    await running.assign([tp]);
    const handled: bigint[] = [];
    await expect(
      running.run({
        eachMessage: ({ message }) => {
          handled.push(message.offset);
        },
      }),
    ).rejects.toBeInstanceOf(RecordDecodeError);
    expect(handled).toEqual([0n, 1n, 2n]);
    running.seek(tp, 4n);
    expect((await running.poll(1000)).map((r) => r.offset)).toEqual([4n, 5n]);
    await running.close();
  });
});
