import { parseTopicConfig } from '@fjord/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { PartitionLog } from './partition-log.js';
import { RetentionScheduler } from './retention-scheduler.js';
import { appendTo, batchOf, openTempStore, type TempStore } from './temp-store.fixture.js';

describe('RetentionScheduler', () => {
  let temp: TempStore | undefined;
  afterEach(async () => {
    await temp?.cleanup();
  });

  it('applies each topic config to its partitions on demand', async () => {
    temp = await openTempStore();
    const store = temp.store;
    const expiring = await PartitionLog.load(store, 'eeeeeeee-0000-4000-8000-000000000001', 0);
    const forever = await PartitionLog.load(store, 'eeeeeeee-0000-4000-8000-000000000002', 0);
    for (const log of [expiring, forever]) {
      await appendTo(store, log, [batchOf([1_000])]);
      await appendTo(store, log, [batchOf([50_000])]);
    }
    const scheduler = new RetentionScheduler(
      () => [
        { log: expiring, topic: 'a', config: parseTopicConfig({ 'retention.ms': '10000' }) },
        { log: forever, topic: 'b', config: parseTopicConfig({ 'retention.ms': '-1' }) },
      ],
      60_000,
      pino({ level: 'silent' }),
      () => 30_000,
    );
    expect(await scheduler.runNow()).toBe(1);
    expect(expiring.logStartOffset).toBe(1n);
    expect(forever.logStartOffset).toBe(0n);
    await scheduler.stop();
  });
});
