import type { v1 } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import type { Cluster, TopicMetadata } from '../cluster/metadata.js';
import { silentLogger } from '../logger.js';
import { systemClock } from '../retry.js';
import { RecordAccumulator } from './accumulator.js';
import { MemoryLimit } from './memory-limit.js';
import { SendCall } from './producer-batch.js';
import { Sender } from './sender.js';

const LEADER = '127.0.0.1:7401';
const ORDERS: TopicMetadata = { name: 'orders', id: '', partitions: [], configs: {} };

describe('Sender', () => {
  it('sends nothing to a broker before the throttle time its produce answer asked for', async () => {
    const throttleTimes = [300, 0];
    const sentAt: number[] = [];
    const cluster = {
      requestTimeoutMs: 5_000,
      leaderAddress: () => ({ address: LEADER, epoch: 0 }),
      invalidate: () => {},
      topic: async () => ORDERS,
    } as unknown as Cluster;
    const requests = {
      close: () => {},
      send: async (): Promise<v1.ProduceResponse__Output> => {
        sentAt.push(Date.now());
        return {
          topics: [
            {
              topic: 'orders',
              partitions: [
                {
                  partition: 0,
                  errorCode: 0,
                  errorMessage: '',
                  baseOffset: String(sentAt.length - 1),
                  logAppendTimeMs: '-1',
                  logStartOffset: '0',
                },
              ],
            },
          ],
          throttleTimeMs: throttleTimes.shift() ?? 0,
        };
      },
    };
    const memory = new MemoryLimit(1 << 20, 1_000);
    const accumulator = new RecordAccumulator(16_384, memory, Date.now);
    const sender = new Sender({
      cluster,
      accumulator,
      memory,
      settings: {
        acks: 1,
        lingerMs: 0,
        maxRequestBytes: 1 << 20,
        maxInFlightRequestsPerBroker: 5,
        deliveryTimeoutMs: 30_000,
        compression: 0,
      },
      retry: { initialRetryMs: 100, maxRetryMs: 1_000, multiplier: 2, jitter: 0 },
      logger: silentLogger,
      clock: systemClock,
      random: Math.random,
      requests,
    });
    sender.setMetadata(ORDERS);
    const send = async (value: string) => {
      const call = new SendCall(1);
      const record = {
        topic: 'orders',
        partition: 0,
        key: null,
        value: Buffer.from(value),
        headers: undefined,
        timestamp: Date.now(),
        call,
        index: 0,
      };
      const batch = accumulator.tryAppend(record);
      if (typeof batch === 'object') sender.armLinger(batch);
      sender.wakeup();
      return call.promise;
    };

    await send('first');
    const throttledAt = Date.now();
    await send('second');
    await send('third');
    expect(sentAt).toHaveLength(3);
    // The second request waited out the 300 ms; the third, after an answer without a throttle, did not.
    expect(sentAt[1]! - throttledAt).toBeGreaterThanOrEqual(295);
    expect(sentAt[2]! - sentAt[1]!).toBeLessThan(250);
  });
});
