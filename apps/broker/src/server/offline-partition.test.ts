import { ErrorCode } from '@fjord/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostedReplicas } from '../cluster/hosted-replicas.js';
import { replica } from '../cluster/replica.fixture.js';
import { metaKey, topicIdToBytes } from '../log/keys.js';
import { PartitionLog } from '../log/partition-log.js';
import { appendTo, batchOf, dumpKeys, openTempStore, type TempStore } from '../log/temp-store.fixture.js';
import { PartitionResolver } from './partition-resolver.js';

const KEEP_ID = 'cccccccc-0000-4000-8000-000000000003';
const silent = pino({ level: 'silent' });

// Here rather than beside HostedReplicas: it checks what the request path answers for an
// offline partition, and server/ may import cluster/, not the other way round.
describe('a partition whose stored meta cannot be decoded', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await openTempStore();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('takes only the partition whose meta cannot be decoded offline; the others are served', async () => {
    const good = await PartitionLog.load(temp.store, KEEP_ID, 0);
    await appendTo(temp.store, good, [batchOf([1, 2])]);
    const bad = await PartitionLog.load(temp.store, KEEP_ID, 1);
    await appendTo(temp.store, bad, [batchOf([1])]);
    await temp.store.db.put(metaKey(topicIdToBytes(KEEP_ID), 1), Buffer.from('\u0000not meta'));
    await temp.reopen();

    const replicas = new HostedReplicas(temp.store, silent);
    await replicas.apply([replica('keep', KEEP_ID, 0), replica('keep', KEEP_ID, 1)]);
    expect(replicas.hasMetadata).toBe(true);
    expect(replicas.get('keep', 0)!.log.logEndOffset).toBe(2n);
    expect(replicas.get('keep', 1)).toBeUndefined();
    expect(replicas.offline().map((p) => [p.topic, p.partition])).toEqual([['keep', 1]]);
    const resolver = new PartitionResolver(1, replicas, async () => true);
    const [served, offline] = await resolver.resolveAll([
      { topic: 'keep', partition: 0 },
      { topic: 'keep', partition: 1 },
    ]);
    expect(served!.ok).toBe(true);
    expect(offline).toMatchObject({ ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR });
    // Its data is kept (not an unlisted partition) for an operator to inspect.
    await replicas.whenDeletionsDone();
    expect(await temp.store.db.get(metaKey(topicIdToBytes(KEEP_ID), 1))).toBeDefined();
    // A later apply keeps it offline and keeps serving the rest; deleting the topic drops it.
    await replicas.apply([replica('keep', KEEP_ID, 0, { leaderEpoch: 1 }), replica('keep', KEEP_ID, 1)]);
    expect(replicas.offline()).toHaveLength(1);
    expect(replicas.get('keep', 0)!.leaderEpoch).toBe(1);
    await replicas.apply([]);
    await replicas.whenDeletionsDone();
    expect(replicas.offline()).toEqual([]);
    expect(await dumpKeys(temp.store)).toEqual([]);
  });
});
