import {
  decodeRecordBatch,
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  splitBatches,
  type v1,
} from '@fjord/protocol';
import type * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { replica } from '../cluster/replica.fixture.js';
import { batchOf } from '../log/temp-store.fixture.js';
import { type BrokerHarness, startBrokerHarness } from './broker-harness.fixture.js';

const ORDERS = '11111111-2222-4333-8444-555555555555';
const ELSEWHERE = '77777777-7777-4777-8777-777777777777';

let harness: BrokerHarness | undefined;
let stream: grpc.ClientDuplexStream<v1.FetchSessionRequest, v1.FetchResponse__Output> | undefined;
afterEach(async () => {
  stream?.cancel();
  stream = undefined;
  await harness?.close();
  harness = undefined;
});

async function start(): Promise<BrokerHarness> {
  harness = await startBrokerHarness([
    replica('orders', ORDERS, 0, { leaderEpoch: 3 }),
    replica('orders', ORDERS, 1, { leaderEpoch: 3 }),
    replica('elsewhere', ELSEWHERE, 0, { leader: 2 }),
  ]);
  return harness;
}

async function produce(h: BrokerHarness, partition: number, values: number[]): Promise<void> {
  const response = await h.produce({
    acks: 1,
    topics: [{ topic: 'orders', partitions: [{ partition, records: batchOf(values) }] }],
  });
  expect(response.topics[0]!.partitions[0]!.errorCode).toBe(0);
}

/** A FetchStream with a queue of its answers, and its end status. */
function open(h: BrokerHarness) {
  const call = h.client.fetchStream();
  stream = call;
  const answers: v1.FetchResponse__Output[] = [];
  const waiters: Array<() => void> = [];
  let failure: grpc.ServiceError | undefined;
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  call.on('data', (answer: v1.FetchResponse__Output) => {
    answers.push(answer);
    notify();
  });
  call.on('error', (error: grpc.ServiceError) => {
    failure = error;
    notify();
  });
  const next = async (timeoutMs = 10_000): Promise<v1.FetchResponse__Output> => {
    const deadline = Date.now() + timeoutMs;
    while (answers.length === 0) {
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error('no answer on the stream');
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return answers.shift()!;
  };
  const send = (request: Partial<v1.FetchSessionRequest>) =>
    call.write({ replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 0, topics: [], ...request });
  return { call, next, send, failure: () => failure, answers };
}

const add = (partition: number, fetchOffset: number, currentLeaderEpoch = -1): v1.FetchPartition => ({
  partition,
  fetchOffset,
  partitionMaxBytes: 0,
  currentLeaderEpoch,
});

const offsetsIn = (answer: v1.FetchResponse__Output) =>
  answer.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.topic,
      partition: p.partition,
      errorCode: p.errorCode,
      offsets:
        p.records.length === 0
          ? []
          : splitBatches(p.records).flatMap((b) => decodeRecordBatch(b.bytes).records.map((r) => r.offset)),
    })),
  );

describe('FetchStream', () => {
  it('takes partitions once, answers only those with data, and moves their offsets itself', async () => {
    const h = await start();
    await produce(h, 0, [1, 2, 3]);
    const s = open(h);
    s.send({ topics: [{ topic: 'orders', partitions: [add(0, 0), add(1, 0)], removedPartitions: [] }] });
    expect(offsetsIn(await s.next())).toEqual([
      { topic: 'orders', partition: 0, errorCode: 0, offsets: [0n, 1n, 2n] },
    ]);

    // Nothing sent for partition 0: the session fetches it from 3 on.
    await produce(h, 0, [4]);
    await produce(h, 1, [5, 6]);
    s.send({});
    expect(offsetsIn(await s.next())).toEqual([
      { topic: 'orders', partition: 0, errorCode: 0, offsets: [3n] },
      { topic: 'orders', partition: 1, errorCode: 0, offsets: [0n, 1n] },
    ]);

    // Removed: partition 1 is no longer fetched; a new offset for partition 0 rereads it.
    await produce(h, 1, [7]);
    s.send({ topics: [{ topic: 'orders', partitions: [add(0, 1)], removedPartitions: [1] }] });
    expect(offsetsIn(await s.next())).toEqual([
      { topic: 'orders', partition: 0, errorCode: 0, offsets: [0n, 1n, 2n, 3n] },
    ]);
  });

  it('answers errors per partition as Fetch does, and keeps an errored partition where it was', async () => {
    const h = await start();
    await produce(h, 0, [1, 2]);
    const s = open(h);
    s.send({
      topics: [
        { topic: 'orders', partitions: [add(0, 9), add(1, 0, 2)], removedPartitions: [] },
        { topic: 'elsewhere', partitions: [add(0, 0)], removedPartitions: [] },
      ],
    });
    const codes = (answer: v1.FetchResponse__Output) =>
      offsetsIn(answer).map((p) => `${p.topic}/${p.partition}:${p.errorCode}`);
    expect(codes(await s.next())).toEqual([
      `orders/0:${ErrorCode.OFFSET_OUT_OF_RANGE}`,
      `orders/1:${ErrorCode.FENCED_LEADER_EPOCH}`,
      `elsewhere/0:${ErrorCode.NOT_LEADER_OR_FOLLOWER}`,
    ]);
    // Reset and epoch fixed by the client; the partition led elsewhere is dropped.
    s.send({
      topics: [
        { topic: 'orders', partitions: [add(0, 0), add(1, 0, 3)], removedPartitions: [] },
        { topic: 'elsewhere', partitions: [], removedPartitions: [0] },
      ],
    });
    expect(offsetsIn(await s.next())).toEqual([
      { topic: 'orders', partition: 0, errorCode: 0, offsets: [0n, 1n] },
    ]);
  });

  it('long-polls, and a request arriving meanwhile (wake_only too) ends the wait', async () => {
    const h = await start();
    const s = open(h);
    let startedAt = Date.now();
    s.send({ maxWaitMs: 300, topics: [{ topic: 'orders', partitions: [add(0, 0)], removedPartitions: [] }] });
    expect((await s.next()).topics).toEqual([]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);

    startedAt = Date.now();
    s.send({ maxWaitMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await produce(h, 0, [1]);
    expect(offsetsIn(await s.next())[0]!.offsets).toEqual([0n]);
    expect(Date.now() - startedAt).toBeLessThan(10_000);

    startedAt = Date.now();
    s.send({ maxWaitMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    s.send({ wakeOnly: true });
    expect((await s.next()).topics).toEqual([]);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    // wake_only got no answer of its own.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.answers).toEqual([]);
  });

  it('ends the stream with INVALID_REQUEST for a malformed request, naming the problem', async () => {
    const h = await start();
    const s = open(h);
    s.send({ topics: [{ topic: 'orders', partitions: [add(0, 0)], removedPartitions: [] }] });
    await s.next();
    s.send({ replicaId: 2 });
    const error = await s.next().then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(error?.details).toMatch(/replica_id 2 differs from the session's -1/);
    expect(error?.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.INVALID_REQUEST)]);
  });

  it('removes its waiter when the client cancels the stream during a long poll', async () => {
    const h = await start();
    const log = h.replicas.get('orders', 0)!.log;
    const listeners = () => (log as unknown as { appendListeners: Set<unknown> }).appendListeners.size;
    const s = open(h);
    s.send({
      maxWaitMs: 20_000,
      topics: [{ topic: 'orders', partitions: [add(0, 0)], removedPartitions: [] }],
    });
    const deadline = Date.now() + 5_000;
    while (listeners() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(listeners()).toBe(1);
    s.call.cancel();
    while (listeners() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(listeners()).toBe(0);
  });
});
