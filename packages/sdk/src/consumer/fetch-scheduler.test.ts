import type { v1 } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../cluster/metadata.js';
import { silentLogger } from '../logger.js';
import type { Clock } from '../retry.js';
import { FetchScheduler } from './fetch-scheduler.js';
import { PartitionBackoff } from './partition-backoff.js';
import { newPartitionState } from './partition-state.js';
import type { PositionManager } from './position-manager.js';

const LEADER = '127.0.0.1:7401';

/** A cluster of one broker leading `orders`, answering each Fetch with the next throttle time. */
function fakeCluster(throttleTimes: number[]) {
  const fetches: number[] = [];
  const clock = { nowMs: 1_000 };
  const cluster = {
    requestTimeoutMs: 1_000,
    topic: async () => ({ name: 'orders', configs: {} }),
    cachedTopic: () => undefined,
    leaderAddress: () => ({ address: LEADER, epoch: 0 }),
    invalidate: () => {},
    pool: {
      broker: () => ({}),
      unary: async (): Promise<v1.FetchResponse__Output> => {
        fetches.push(clock.nowMs);
        return {
          topics: [
            {
              topic: 'orders',
              topicId: '',
              partitions: [
                {
                  partition: 0,
                  errorCode: 0,
                  errorMessage: '',
                  highWatermark: '0',
                  logStartOffset: '0',
                  records: Buffer.alloc(0),
                },
              ],
            },
          ],
          throttleTimeMs: throttleTimes.shift() ?? 0,
        };
      },
    },
  } as unknown as Cluster;
  return { cluster, fetches, clock };
}

describe('FetchScheduler', () => {
  it('does not fetch again from a broker before the throttle time its answer asked for', async () => {
    const { cluster, fetches, clock: time } = fakeCluster([700, 0]);
    const clock: Clock = { now: () => time.nowMs, sleep: async () => {} };
    const backoff = new PartitionBackoff({
      invalidate: () => {},
      retry: { initialRetryMs: 100, maxRetryMs: 1_000, multiplier: 2, jitter: 0 },
      clock,
      logger: silentLogger,
      report: () => {},
    });
    let settled = 0;
    const scheduler = new FetchScheduler({
      cluster,
      options: {
        fetchMaxWaitMs: 0,
        fetchMinBytes: 1,
        fetchMaxBytes: 1_000,
        maxPartitionFetchBytes: 1_000,
        fetchSessions: false,
      },
      clock,
      backoff,
      positions: { outOfRange: () => {} } as unknown as PositionManager,
      report: () => {},
      settled: () => settled++,
    });
    const state = newPartitionState({ topic: 'orders', partition: 0 });
    state.position = 0n;
    const settledAfter = async (count: number) => {
      while (settled < count) await new Promise((resolve) => setImmediate(resolve));
    };

    await scheduler.start([state], time.nowMs + 1_000);
    await settledAfter(1);
    expect(fetches).toEqual([1_000]);

    // 300 ms later the broker's 700 ms are not over: no Fetch, and the partition waits as if
    // backing off (poll() sleeps until then), without counting a failure.
    time.nowMs += 300;
    await scheduler.start([state], time.nowMs + 1_000);
    expect(fetches).toEqual([1_000]);
    expect(state.retryAt).toBe(1_700);
    expect(state.failures).toBe(0);
    expect(backoff.nextRetryIn([state])).toBe(400);

    time.nowMs = 1_700;
    await scheduler.start([state], time.nowMs + 1_000);
    await settledAfter(2);
    expect(fetches).toEqual([1_000, 1_700]);

    // An answer without a throttle time holds nothing back.
    time.nowMs += 1;
    await scheduler.start([state], time.nowMs + 1_000);
    await settledAfter(3);
    expect(fetches).toEqual([1_000, 1_700, 1_701]);
    await scheduler.close();
  });
});
