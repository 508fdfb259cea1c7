import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartitionLog } from '../log/partition-log.js';
import { appendTo, batchOf, dumpKeys, openTempStore, type TempStore } from '../log/temp-store.fixture.js';
import { HostedReplicas } from './hosted-replicas.js';
import { replica } from './replica.fixture.js';

const OLD_ID = 'aaaaaaaa-0000-4000-8000-000000000001';
const NEW_ID = 'bbbbbbbb-0000-4000-8000-000000000002';
const KEEP_ID = 'cccccccc-0000-4000-8000-000000000003';
const silent = pino({ level: 'silent' });

describe('HostedReplicas', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await openTempStore();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('loads existing data for new replicas and applies leader, epoch and configs', async () => {
    const stored = await PartitionLog.load(temp.store, KEEP_ID, 0);
    await appendTo(temp.store, stored, [batchOf([1, 2])]);
    const replicas = new HostedReplicas(temp.store, silent);
    expect(replicas.hasMetadata).toBe(false);
    await replicas.apply([
      replica('keep', KEEP_ID, 0, { leaderEpoch: 7, configs: { 'retention.ms': '1000' } }),
    ]);
    const hosted = replicas.get('keep', 0)!;
    expect(replicas.hasMetadata).toBe(true);
    expect(hosted.log.logEndOffset).toBe(2n);
    expect(hosted.leaderEpoch).toBe(7);
    expect(hosted.config['retention.ms']).toBe(1000);
    // A later list keeps the same in-memory log and updates the rest.
    await replicas.apply([replica('keep', KEEP_ID, 0, { leaderEpoch: 8 })]);
    expect(replicas.get('keep', 0)!.log).toBe(hosted.log);
    expect(replicas.get('keep', 0)!.leaderEpoch).toBe(8);
  });

  it('deletes the data of a topic that disappears; a recreated topic starts empty', async () => {
    const replicas = new HostedReplicas(temp.store, silent);
    await replicas.apply([replica('orders', OLD_ID, 0), replica('keep', KEEP_ID, 0)]);
    const oldLog = replicas.get('orders', 0)!.log;
    await appendTo(temp.store, oldLog, [batchOf([1, 2, 3])]);
    await appendTo(temp.store, replicas.get('keep', 0)!.log, [batchOf([1])]);
    const keepKeys = (await dumpKeys(temp.store)).filter((k) => k.includes(KEEP_ID.replace(/-/g, '')));

    await replicas.apply([replica('orders', NEW_ID, 0), replica('keep', KEEP_ID, 0)]);
    await replicas.whenDeletionsDone();
    expect(oldLog.isDeleted).toBe(true);
    expect(replicas.get('orders', 0)!.log.logEndOffset).toBe(0n);
    const keys = await dumpKeys(temp.store);
    expect(keys.some((k) => k.includes(OLD_ID.replace(/-/g, '')))).toBe(false);
    expect(keys.filter((k) => k.includes(KEEP_ID.replace(/-/g, '')))).toEqual(keepKeys);
  });

  it('deletes stored data of topics deleted while the broker was down (first apply)', async () => {
    const gone = await PartitionLog.load(temp.store, OLD_ID, 3);
    await appendTo(temp.store, gone, [batchOf([1])]);
    const replicas = new HostedReplicas(temp.store, silent);
    await replicas.apply([replica('keep', KEEP_ID, 0)]);
    await replicas.whenDeletionsDone();
    expect(await dumpKeys(temp.store)).toEqual([]);
  });

  it('serves a replicated partition as replicated from its first apply: no local append moves its high watermark', async () => {
    // Stored by an earlier process: 3 records, of which the ISR had acknowledged 1.
    const stored = await PartitionLog.load(temp.store, KEEP_ID, 0);
    stored.setReplicated(true);
    await appendTo(temp.store, stored, [batchOf([1, 2, 3])]);
    stored.setHighWatermark(1n);
    await stored.checkpointHighWatermark();
    await temp.reopen();

    const replicas = new HostedReplicas(temp.store, silent);
    await replicas.apply([replica('keep', KEEP_ID, 0, { replicas: [1, 2, 3], isr: [1, 2, 3] })]);
    const log = replicas.get('keep', 0)!.log;
    expect(log.isReplicated).toBe(true);
    expect(log.highWatermark).toBe(1n);
    // Before replication has looked at the partition, an append (an acks=all produce) must
    // not become committed by the leader alone.
    await appendTo(temp.store, log, [batchOf([4])]);
    expect(log.logEndOffset).toBe(4n);
    expect(log.highWatermark).toBe(1n);

    // Going down to one replica hands the watermark back to local appends.
    await replicas.apply([replica('keep', KEEP_ID, 0)]);
    expect(log.isReplicated).toBe(false);
    expect(log.highWatermark).toBe(4n);
  });

  it('deletes a removed partition in chunks: a write to another partition is not queued behind the whole deletion', async () => {
    const replicas = new HostedReplicas(temp.store, silent, { deletionChunkKeys: 100 });
    await replicas.apply([replica('orders', OLD_ID, 0), replica('keep', KEEP_ID, 0)]);
    // 3,000 batches: 6,000 log and time-index keys, 60 chunks of 100.
    const timestamps = Array.from({ length: 3_000 }, (_, i) => [i]);
    await appendTo(
      temp.store,
      replicas.get('orders', 0)!.log,
      timestamps.map((ts) => batchOf(ts)),
    );
    const batch = vi.spyOn(temp.store.db, 'batch');

    await replicas.apply([replica('keep', KEEP_ID, 0)]);
    let deletionDone = false;
    const deletion = replicas.whenDeletionsDone().then(() => {
      deletionDone = true;
    });
    await appendTo(temp.store, replicas.get('keep', 0)!.log, [batchOf([1])]);
    // The append was answered while the deletion still had chunks to go.
    expect(deletionDone).toBe(false);
    await deletion;
    const batchSizes = (batch.mock.calls as unknown as Array<[unknown[]]>).map(([ops]) => ops.length);
    expect(batchSizes.length).toBeGreaterThan(60);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(100);
    const keys = await dumpKeys(temp.store);
    expect(keys.some((k) => k.includes(OLD_ID.replace(/-/g, '')))).toBe(false);
    expect(replicas.get('keep', 0)!.log.logEndOffset).toBe(1n);
  });
});
