import { decodeRecordBatch, ErrorCode, splitBatches } from '@fjord/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { replica } from '../cluster/replica.fixture.js';
import { batchOf } from '../log/temp-store.fixture.js';
import { type BrokerHarness, startBrokerHarness } from './broker-harness.fixture.js';

const ORDERS = '11111111-2222-4333-8444-555555555555';
const ELSEWHERE = '77777777-7777-4777-8777-777777777777';

let harness: BrokerHarness | undefined;
afterEach(async () => {
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

async function produce(h: BrokerHarness, partition: number, records: Buffer): Promise<void> {
  const response = await h.produce({
    acks: 1,
    topics: [{ topic: 'orders', partitions: [{ partition, records }] }],
  });
  expect(response.topics[0]!.partitions[0]!.errorCode).toBe(0);
}

const fetchFrom = (partition: number, fetchOffset: number, extra: Record<string, number> = {}) => ({
  replicaId: -1,
  maxWaitMs: extra.maxWaitMs ?? 0,
  minBytes: 1,
  maxBytes: extra.maxBytes ?? 0,
  topics: [
    {
      topic: 'orders',
      partitions: [
        {
          partition,
          fetchOffset,
          partitionMaxBytes: extra.partitionMaxBytes ?? 0,
          currentLeaderEpoch: extra.currentLeaderEpoch ?? -1,
        },
      ],
    },
  ],
});

const offsetsOf = (records: Buffer) =>
  records.length === 0
    ? []
    : splitBatches(records).flatMap((b) => decodeRecordBatch(b.bytes).records.map((r) => r.offset));

describe('Fetch', () => {
  it('returns stored batches from the batch containing the fetch offset, with HW and log start', async () => {
    const h = await start();
    await produce(h, 0, batchOf([1, 2, 3]));
    await produce(h, 0, batchOf([4, 5]));
    const response = await h.fetch(fetchFrom(0, 1));
    expect(response.topics[0]!.topicId).toBe(ORDERS);
    const result = response.topics[0]!.partitions[0]!;
    expect(result).toMatchObject({ errorCode: 0, highWatermark: '5', logStartOffset: '0' });
    expect(offsetsOf(result.records)).toEqual([0n, 1n, 2n, 3n, 4n]);
    const atEnd = (await h.fetch(fetchFrom(0, 5))).topics[0]!.partitions[0]!;
    expect(atEnd).toMatchObject({ errorCode: 0, highWatermark: '5' });
    expect(atEnd.records).toHaveLength(0);
  });

  it('limits bytes per partition but always returns at least one batch', async () => {
    const h = await start();
    for (let i = 0; i < 3; i++) await produce(h, 0, batchOf([i]));
    const one = (await h.fetch(fetchFrom(0, 0, { partitionMaxBytes: 10 }))).topics[0]!.partitions[0]!;
    expect(offsetsOf(one.records)).toEqual([0n]);
    const limited = (await h.fetch(fetchFrom(0, 0, { maxBytes: 10 }))).topics[0]!.partitions[0]!;
    expect(offsetsOf(limited.records)).toEqual([0n]);
  });

  it('answers OFFSET_OUT_OF_RANGE above the log end and below the log start', async () => {
    const h = await start();
    await produce(h, 0, batchOf([1]));
    await produce(h, 0, batchOf([Date.now() + 3_600_000]));
    const above = (await h.fetch(fetchFrom(0, 3))).topics[0]!.partitions[0]!;
    expect(above).toMatchObject({
      errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
      highWatermark: '2',
      logStartOffset: '0',
    });
    expect(above.errorMessage).toContain('0 to 2');
    const log = h.replicas.get('orders', 0)!.log;
    expect(await log.applyRetention({ retentionMs: 60_000, retentionBytes: -1 }, Date.now())).toBe(1);
    const below = (await h.fetch(fetchFrom(0, 0))).topics[0]!.partitions[0]!;
    expect(below).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: '1' });
    const from = (await h.fetch(fetchFrom(0, 1))).topics[0]!.partitions[0]!;
    expect(offsetsOf(from.records)).toEqual([1n]);
  });

  it('checks the leader epoch and leadership', async () => {
    const h = await start();
    const code = async (request: ReturnType<typeof fetchFrom>) =>
      (await h.fetch(request)).topics[0]!.partitions[0]!.errorCode;
    expect(await code(fetchFrom(0, 0, { currentLeaderEpoch: 3 }))).toBe(0);
    expect(await code(fetchFrom(0, 0, { currentLeaderEpoch: 2 }))).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(await code(fetchFrom(0, 0, { currentLeaderEpoch: 4 }))).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    const elsewhere = {
      ...fetchFrom(0, 0),
      topics: [{ topic: 'elsewhere', partitions: fetchFrom(0, 0).topics[0]!.partitions }],
    };
    expect(await code(elsewhere)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const unknown = {
      ...fetchFrom(0, 0),
      topics: [{ topic: 'nope', partitions: fetchFrom(0, 0).topics[0]!.partitions }],
    };
    expect(await code(unknown)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('long-polls until an append to a requested partition arrives', async () => {
    const h = await start();
    const startedAt = Date.now();
    const pending = h.fetch({
      ...fetchFrom(0, 0, { maxWaitMs: 20_000 }),
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, fetchOffset: 0, partitionMaxBytes: 0, currentLeaderEpoch: -1 },
            { partition: 1, fetchOffset: 0, partitionMaxBytes: 0, currentLeaderEpoch: -1 },
          ],
        },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await produce(h, 1, batchOf([1, 2]));
    const response = await pending;
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    const [p0, p1] = response.topics[0]!.partitions;
    expect(p0!.records).toHaveLength(0);
    expect(offsetsOf(p1!.records)).toEqual([0n, 1n]);
  });

  it('long-polls until max_wait_ms when nothing arrives', async () => {
    const h = await start();
    const startedAt = Date.now();
    const response = await h.fetch(fetchFrom(0, 0, { maxWaitMs: 300 }));
    const elapsedMs = Date.now() - startedAt;
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(10_000);
    expect(response.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: '0' });
  });

  it('ends a long poll with UNKNOWN_TOPIC_OR_PARTITION when the topic is deleted meanwhile', async () => {
    const h = await start();
    const startedAt = Date.now();
    const pending = h.fetch(fetchFrom(0, 0, { maxWaitMs: 20_000 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.replicas.apply([]);
    const result = (await pending).topics[0]!.partitions[0]!;
    expect(result.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    await h.replicas.whenDeletionsDone();
  });

  it('removes the waiter when the client cancels a long poll', async () => {
    const h = await start();
    const log = h.replicas.get('orders', 0)!.log;
    const listeners = () => (log as unknown as { appendListeners: Set<unknown> }).appendListeners.size;
    const call = h.client.fetch(fetchFrom(0, 0, { maxWaitMs: 20_000 }), () => undefined);
    const deadline = Date.now() + 5_000;
    while (listeners() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(listeners()).toBe(1);
    call.cancel();
    while (listeners() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(listeners()).toBe(0);
  });
});
