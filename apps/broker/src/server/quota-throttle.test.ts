import { ErrorCode } from '@fjord/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { replica } from '../cluster/replica.fixture.js';
import { batchOf } from '../log/temp-store.fixture.js';
import { ClientByteRateQuota } from '../quotas/client-quotas.js';
import { type BrokerHarness, startBrokerHarness } from './broker-harness.fixture.js';

const ORDERS = '11111111-2222-4333-8444-555555555555';

let harness: BrokerHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A batch of about `bytes` bytes (one record with a long value). */
const batchOfSize = (bytes: number) => batchOf([Date.now()], 'x'.repeat(bytes - 80));

const produceTo = (records: Buffer) => ({
  acks: 1,
  timeoutMs: 1_000,
  topics: [{ topic: 'orders', partitions: [{ partition: 0, records }] }],
});

const fetchFrom = (fetchOffset: number, replicaId = -1) => ({
  replicaId,
  maxWaitMs: 0,
  minBytes: 1,
  maxBytes: 0,
  topics: [
    {
      topic: 'orders',
      partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 0, currentLeaderEpoch: -1 }],
    },
  ],
});

describe('byte-rate quotas on the broker service', () => {
  it('answers a produce over its quota at once with throttle_time_ms, then holds that client only', async () => {
    harness = await startBrokerHarness([replica('orders', ORDERS, 0)], {
      quotas: {
        produce: new ClientByteRateQuota({ bytesPerSecond: 1_000 }),
        fetch: new ClientByteRateQuota({ bytesPerSecond: undefined }),
      },
    });
    const records = batchOfSize(11_000);
    const within = await harness.produce(produceTo(batchOfSize(500)), { clientId: 'other-app' });
    expect(within.throttleTimeMs).toBe(0);

    const first = await harness.produce(produceTo(records), { clientId: 'app' });
    expect(first.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    // 11 000-odd bytes over the 10 s minimum window at 1 000 B/s: (1 100 - 1 000) / 1 000 × 10 s.
    const expected = Math.round(((records.length / 10 - 1_000) / 1_000) * 10_000);
    expect(first.throttleTimeMs).toBe(expected);
    expect(expected).toBeGreaterThan(900);

    // Another client id of the same principal is not held.
    const otherStart = Date.now();
    const other = await harness.produce(produceTo(batchOfSize(500)), { clientId: 'other-app' });
    expect(other.throttleTimeMs).toBe(0);
    expect(Date.now() - otherStart).toBeLessThan(expected / 2);

    // The throttled client, asking again at once, is held until its throttle time has passed.
    const heldStart = Date.now();
    const held = await harness.produce(produceTo(batchOfSize(200)), { clientId: 'app' });
    expect(Date.now() - heldStart).toBeGreaterThanOrEqual(expected - 100);
    expect(held.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('answers a fetch over its quota without records, takes the bytes back, and skips replica fetches', async () => {
    const fetchQuota = new ClientByteRateQuota({ bytesPerSecond: 1_000 });
    harness = await startBrokerHarness([replica('orders', ORDERS, 0, { replicas: [1, 2], isr: [1] })], {
      quotas: { produce: new ClientByteRateQuota({ bytesPerSecond: undefined }), fetch: fetchQuota },
    });
    const records = batchOfSize(6_000);
    await harness.produce(produceTo(records));
    // No replication manager here: the test moves the high watermark as the follower would.
    harness.replicas.get('orders', 0)!.log.setHighWatermark(1n);

    // A follower's fetch is replication, not a client's consumption: never counted.
    for (let i = 0; i < 3; i++) {
      const replicaFetch = await harness.fetch(fetchFrom(0, 2), { clientId: 'app' });
      expect(replicaFetch.throttleTimeMs).toBe(0);
      expect(replicaFetch.topics[0]!.partitions[0]!.records.length).toBe(records.length);
    }

    const first = await harness.fetch(fetchFrom(0), { clientId: 'app' });
    expect(first.throttleTimeMs).toBe(0);
    expect(first.topics[0]!.partitions[0]!.records.length).toBe(records.length);

    // Twice 6 000 bytes in the 10 s window is 1 200 B/s: about 2 s of throttle, and no records.
    const second = await harness.fetch(fetchFrom(0), { clientId: 'app' });
    expect(second.throttleTimeMs).toBeGreaterThan(1_500);
    expect(second.throttleTimeMs).toBeLessThanOrEqual(2_000);
    const partition = second.topics[0]!.partitions[0]!;
    expect(partition.errorCode).toBe(ErrorCode.NONE);
    expect(partition.records.length).toBe(0);
    expect(partition.highWatermark).toBe('1');
    // Only the bytes sent count: the answer given without records was taken back.
    const client = { principal: 'User:ANONYMOUS', clientId: 'app' };
    expect(fetchQuota.recordAndGetThrottleTimeMs(client, 0)).toBe(0);
    expect(fetchQuota.mutedForMs(client)).toBeGreaterThan(1_000);
  });
});
