import { ErrorCode } from '@fjord/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { replica } from '../cluster/replica.fixture.js';
import { batchOf } from '../log/temp-store.fixture.js';
import { type BrokerHarness, startBrokerHarness } from './broker-harness.fixture.js';

const ORDERS = '11111111-2222-4333-8444-555555555555';

let harness: BrokerHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('ListOffsets', () => {
  it('answers earliest, latest, by timestamp and refuses timestamps below -2', async () => {
    harness = await startBrokerHarness([
      replica('orders', ORDERS, 0, { leaderEpoch: 2 }),
      replica('orders', ORDERS, 1, { leader: 5 }),
    ]);
    for (const timestamps of [[100, 300], [200], [500, 400]]) {
      await harness.produce({
        acks: 1,
        topics: [{ topic: 'orders', partitions: [{ partition: 0, records: batchOf(timestamps) }] }],
      });
    }
    const timestamps = ['-2', '-1', '0', '250', '301', '450', '501', '-3'];
    const response = await harness.listOffsets({
      topics: [
        {
          topic: 'orders',
          partitions: [
            ...timestamps.map((timestamp) => ({ partition: 0, timestamp })),
            { partition: 1, timestamp: '-1' },
          ],
        },
      ],
    });
    const results = response.topics[0]!.partitions.map((p) => [p.errorCode, p.offset, p.timestamp]);
    expect(results).toEqual([
      [0, '0', '-1'],
      [0, '5', '-1'],
      [0, '0', '100'],
      [0, '1', '300'],
      [0, '3', '500'],
      [0, '3', '500'],
      [0, '-1', '-1'],
      [ErrorCode.INVALID_REQUEST, '-1', '-1'],
      [ErrorCode.NOT_LEADER_OR_FOLLOWER, '-1', '-1'],
    ]);
    expect(response.topics[0]!.partitions[1]!.leaderEpoch).toBe(2);
  });
});
