import { ErrorCode, type v1 } from '@fjord/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { replica } from '../cluster/replica.fixture.js';
import { batchOf } from '../log/temp-store.fixture.js';
import { type BrokerHarness, startBrokerHarness } from './broker-harness.fixture.js';
import type { CallAccess } from './call-access.js';
import { fetch } from './fetch.js';
import { listOffsets } from './list-offsets.js';
import { offsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { produce } from './produce.js';

const ORDERS = '11111111-2222-4333-8444-555555555555';
const SECRET = '99999999-2222-4333-8444-555555555555';

let harness: BrokerHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const secretDenied: CallAccess = { deniedTopics: new Set(['secret']) };

async function start(): Promise<BrokerHarness> {
  harness = await startBrokerHarness([replica('orders', ORDERS, 0), replica('secret', SECRET, 0)]);
  return harness;
}

const produceRequest = (topics: string[]): v1.ProduceRequest__Output => ({
  acks: 1,
  timeoutMs: 1_000,
  topics: topics.map((topic) => ({ topic, partitions: [{ partition: 0, records: batchOf([1]) }] })),
});

const fetchRequest = (topics: string[], maxWaitMs = 0): v1.FetchRequest__Output => ({
  replicaId: -1,
  maxWaitMs,
  minBytes: 1,
  maxBytes: 0,
  topics: topics.map((topic) => ({
    topic,
    partitions: [{ partition: 0, fetchOffset: '0', partitionMaxBytes: 0, currentLeaderEpoch: -1 }],
  })),
});

const codes = (response: {
  topics?: Array<{ topic?: string; partitions?: Array<{ errorCode?: number }> }>;
}) =>
  Object.fromEntries((response.topics ?? []).map((t) => [t.topic, t.partitions?.map((p) => p.errorCode)]));

describe('per-topic denials (TOPIC_AUTHORIZATION_FAILED per partition, as Kafka)', () => {
  it('Produce writes the allowed topics and nothing of a denied one', async () => {
    const h = await start();
    const response = await produce(h.deps, produceRequest(['orders', 'secret']), undefined, secretDenied);
    expect(codes(response)).toEqual({
      orders: [ErrorCode.NONE],
      secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
    expect(response.topics![1]!.partitions![0]!.errorMessage).toBe('not authorized to WRITE this topic');
    expect(h.replicas.get('orders', 0)!.log.logEndOffset).toBe(1n);
    expect(h.replicas.get('secret', 0)!.log.logEndOffset).toBe(0n);
  });

  it('answers a denied topic the same whether it exists or not, without a metadata refresh', async () => {
    const h = await start();
    const access: CallAccess = { deniedTopics: new Set(['secret', 'no-such-topic']) };
    const response = await produce(h.deps, produceRequest(['secret', 'no-such-topic']), undefined, access);
    expect(codes(response)).toEqual({
      secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      'no-such-topic': [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
    expect(h.refreshCount()).toBe(0);
  });

  it('Fetch serves the allowed topics, and a denied one neither ends nor holds the long poll', async () => {
    const h = await start();
    await produce(h.deps, produceRequest(['orders', 'secret']), undefined, { deniedTopics: new Set() });
    const now = await fetch(
      h.deps,
      fetchRequest(['orders', 'secret']),
      new AbortController().signal,
      secretDenied,
    );
    expect(codes(now)).toEqual({ orders: [ErrorCode.NONE], secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED] });
    expect(now.topics![0]!.partitions![0]!.records.length).toBeGreaterThan(0);
    expect(now.topics![1]!.partitions![0]!.records.length).toBe(0);

    // Nothing new in orders past offset 1: the fetch waits for data there, not ended by the denial.
    const waiting = fetchRequest(['orders', 'secret'], 5_000);
    waiting.topics[0]!.partitions[0]!.fetchOffset = '1';
    const started = Date.now();
    const pending = fetch(h.deps, waiting, new AbortController().signal, secretDenied);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await produce(h.deps, produceRequest(['orders']), undefined, { deniedTopics: new Set() });
    const woken = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(codes(woken)).toEqual({
      orders: [ErrorCode.NONE],
      secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
    expect(woken.topics![0]!.partitions![0]!.records.length).toBeGreaterThan(0);

    // Only denied topics: nothing to wait for, answered at once.
    const onlyDenied = Date.now();
    const denied = await fetch(
      h.deps,
      fetchRequest(['secret'], 5_000),
      new AbortController().signal,
      secretDenied,
    );
    expect(Date.now() - onlyDenied).toBeLessThan(2_000);
    expect(codes(denied)).toEqual({ secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED] });
  });

  it('ListOffsets and OffsetForLeaderEpoch answer a denied topic per partition', async () => {
    const h = await start();
    const offsets = await listOffsets(
      h.deps,
      {
        topics: ['orders', 'secret'].map((topic) => ({
          topic,
          partitions: [{ partition: 0, timestamp: '-1' }],
        })),
      } as v1.ListOffsetsRequest__Output,
      secretDenied,
    );
    expect(codes(offsets)).toEqual({
      orders: [ErrorCode.NONE],
      secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
    const epochs = await offsetForLeaderEpoch(
      h.deps,
      {
        replicaId: -1,
        topics: ['orders', 'secret'].map((topic) => ({
          topic,
          partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }],
        })),
      } as v1.OffsetForLeaderEpochRequest__Output,
      secretDenied,
    );
    expect(codes(epochs)).toEqual({
      orders: [ErrorCode.NONE],
      secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
  });
});
