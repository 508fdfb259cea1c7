import { ErrorCode } from '@fjord/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionLog } from '../log/partition-log.js';
import {
  appendTo,
  batchOf,
  idempotentBatch,
  openTempStore,
  type TempStore,
} from '../log/temp-store.fixture.js';
import {
  appendAsFollower,
  assignEpochStart,
  endOffsetForEpoch,
  truncateTo,
  truncationOffset,
} from './replica-log.js';

const TOPIC_ID = 'eeeeeeee-0000-4000-8000-000000000005';

describe('epoch lookups (KIP-101)', () => {
  const cache: Array<[number, bigint]> = [
    [0, 0n],
    [2, 10n],
    [5, 25n],
  ];

  it('answers the end of the largest epoch at or below the asked one', () => {
    expect(endOffsetForEpoch(cache, 40n, 0)).toEqual({ epoch: 0, endOffset: 10n });
    expect(endOffsetForEpoch(cache, 40n, 3)).toEqual({ epoch: 2, endOffset: 25n });
    expect(endOffsetForEpoch(cache, 40n, 5)).toEqual({ epoch: 5, endOffset: 40n });
    expect(endOffsetForEpoch([[3, 7n]], 9n, 1)).toEqual({ epoch: -1, endOffset: -1n });
  });

  it('truncates a follower to where both logs agree, never to the high watermark alone', () => {
    // Follower wrote [0..12) in epoch 0 and [12..15) in epoch 1; the leader never had epoch 1
    // and ended epoch 0 at 11: the follower keeps [0..11).
    const follower: Array<[number, bigint]> = [
      [0, 0n],
      [1, 12n],
    ];
    const done = (offset: bigint) => ({ offset, complete: true });
    expect(truncationOffset(follower, 15n, 3n, { epoch: 0, endOffset: 11n })).toEqual(done(11n));
    // Same epoch on both: the smaller end wins.
    expect(truncationOffset(follower, 15n, 3n, { epoch: 1, endOffset: 20n })).toEqual(done(15n));
    expect(truncationOffset(follower, 15n, 3n, { epoch: 1, endOffset: 13n })).toEqual(done(13n));
    // The leader knows no such epoch: fall back to the high watermark.
    expect(truncationOffset(follower, 15n, 3n, { epoch: -1, endOffset: -1n })).toEqual(done(3n));
  });

  it('cuts to an intermediate offset and asks again when the leader answers an epoch the follower lacks', () => {
    // Follower [[1,0],[3,100]] asks for epoch 3; the leader [[1,0],[2,50],[4,80]] answers
    // epoch 2 ending at 80, which the follower never had: cut at the end of its epoch 1...
    expect(
      truncationOffset(
        [
          [1, 0n],
          [3, 100n],
        ],
        120n,
        0n,
        { epoch: 2, endOffset: 80n },
      ),
    ).toEqual({ offset: 100n, complete: false });
    // ...and ask for epoch 1, which the leader ends at 50.
    expect(truncationOffset([[1, 0n]], 100n, 0n, { epoch: 1, endOffset: 50n })).toEqual({
      offset: 50n,
      complete: true,
    });
    // Every epoch of the follower is newer than the leader's answer: nothing is shared.
    expect(truncationOffset([[5, 10n]], 20n, 0n, { epoch: 2, endOffset: 8n })).toEqual({
      offset: -1n,
      complete: true,
    });
  });
});

describe('follower log operations', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await openTempStore();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('copies leader batches byte for byte, skips what it has, and truncates a diverging suffix', async () => {
    const leaderTemp = await openTempStore();
    try {
      const leader = await PartitionLog.load(leaderTemp.store, TOPIC_ID, 0);
      await appendTo(leaderTemp.store, leader, [batchOf([1, 2])], 0);
      await appendTo(leaderTemp.store, leader, [batchOf([3])], 1);
      const { batches } = await leader.read(0n, 1 << 20, true, 'logEnd');
      const follower = await PartitionLog.load(temp.store, TOPIC_ID, 0);
      follower.setReplicated(true);
      expect(await appendAsFollower(temp.store, follower, Buffer.concat(batches))).toBe(2);
      expect(await appendAsFollower(temp.store, follower, Buffer.concat(batches))).toBe(0);
      expect(follower.logEndOffset).toBe(3n);
      expect(follower.leaderEpochCache).toEqual([
        [0, 0n],
        [1, 2n],
      ]);
      const copied = await follower.read(0n, 1 << 20, true, 'logEnd');
      expect(Buffer.concat(copied.batches).equals(Buffer.concat(batches))).toBe(true);
      // Nothing is visible to consumers until the leader's high watermark arrives.
      expect((await follower.read(0n, 1 << 20, true)).batches).toEqual([]);

      expect(await truncateTo(temp.store, follower, 2n)).toBe(2n);
      expect(follower.logEndOffset).toBe(2n);
      expect(follower.leaderEpochCache).toEqual([[0, 0n]]);
      const reloaded = await PartitionLog.load(temp.store, TOPIC_ID, 0);
      expect(reloaded.logEndOffset).toBe(2n);
      expect(reloaded.leaderEpochCache).toEqual([[0, 0n]]);
    } finally {
      await leaderTemp.cleanup();
    }
  });

  it('checkpoints the high watermark in partition meta', async () => {
    const log = await PartitionLog.load(temp.store, TOPIC_ID, 1);
    log.setReplicated(true);
    await appendTo(temp.store, log, [batchOf([1, 2, 3])], 0);
    expect(log.highWatermark).toBe(0n);
    log.setHighWatermark(2n);
    await log.checkpointHighWatermark();
    const reloaded = await PartitionLog.load(temp.store, TOPIC_ID, 1);
    expect(reloaded.highWatermark).toBe(2n);
    expect(reloaded.logEndOffset).toBe(3n);
  });

  it('refuses an append while a truncation is queued, then appends after the cut', async () => {
    const log = await PartitionLog.load(temp.store, TOPIC_ID, 3);
    log.setReplicated(true);
    await appendTo(temp.store, log, [batchOf([1, 2, 3, 4, 5])], 0);
    await appendTo(temp.store, log, [batchOf([6, 7, 8, 9, 10])], 1);
    // Leadership arrived while a fetcher round was still cutting the log: offsets given from
    // the old log end would leave a hole after the cut.
    const truncation = truncateTo(temp.store, log, 5n);
    const during = appendTo(temp.store, log, [batchOf([11])], 2);
    await expect(during).rejects.toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    await truncation;
    expect(await appendTo(temp.store, log, [batchOf([11])], 2)).toBe(5n);
    const reloaded = await PartitionLog.load(temp.store, TOPIC_ID, 3);
    expect(reloaded.logEndOffset).toBe(6n);
  });

  it('writes no pre-truncation state from a checkpoint or epoch start queued while a truncation runs', async () => {
    const log = await PartitionLog.load(temp.store, TOPIC_ID, 2);
    log.setReplicated(true);
    await appendTo(temp.store, log, [batchOf([1, 2, 3, 4, 5])], 0);
    await appendTo(temp.store, log, [batchOf([6, 7, 8, 9, 10])], 1);
    const sizeOfFirst = (await log.read(0n, 1 << 20, true, 'logEnd')).batches[0]!.length;
    log.setHighWatermark(3n);
    // Both are queued behind the truncation, not awaited in between (the checkpoint timer
    // and a leadership change do exactly that).
    const truncation = truncateTo(temp.store, log, 5n);
    const checkpoint = log.checkpointHighWatermark();
    const epochStart = assignEpochStart(temp.store, log, 2);
    await Promise.all([truncation, checkpoint, epochStart]);

    const expectedCache = [
      [0, 0n],
      [2, 5n],
    ];
    expect(log.logEndOffset).toBe(5n);
    expect(log.leaderEpochCache).toEqual(expectedCache);
    const reloaded = await PartitionLog.load(temp.store, TOPIC_ID, 2);
    expect(reloaded.logEndOffset).toBe(5n);
    expect(reloaded.leaderEpochCache).toEqual(expectedCache);
    expect(reloaded.sizeBytes).toBe(sizeOfFirst);
    expect(reloaded.highWatermark).toBe(3n);
  });
});

describe('idempotent producer state on a follower', () => {
  let temp: TempStore;
  let log: PartitionLog;

  beforeEach(async () => {
    temp = await openTempStore();
    log = await PartitionLog.load(temp.store, TOPIC_ID, 0);
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('is rebuilt on a follower from the copied batches, and forgets truncated ones', async () => {
    await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 2)]);
    await appendTo(temp.store, log, [idempotentBatch(7n, 0, 2, 2)]);
    const { batches } = await log.read(0n, 1 << 20, true, 'logEnd');
    const followerTemp = await openTempStore();
    try {
      const follower = await PartitionLog.load(followerTemp.store, TOPIC_ID, 0);
      follower.setReplicated(true);
      expect(await appendAsFollower(followerTemp.store, follower, Buffer.concat(batches))).toBe(2);
      // The follower becomes leader: the producer's retry is a duplicate, the next batch follows.
      expect(await appendTo(followerTemp.store, follower, [idempotentBatch(7n, 0, 2, 2)])).toBe(2n);
      await truncateTo(followerTemp.store, follower, 2n);
      // The truncated batch is no longer known: its resend is appended again, not answered.
      expect(await appendTo(followerTemp.store, follower, [idempotentBatch(7n, 0, 2, 2)])).toBe(2n);
      expect(follower.logEndOffset).toBe(4n);
    } finally {
      await followerTemp.cleanup();
    }
  });

  it('restores exactly what it had after a restart, a truncation and a restart again', async () => {
    for (let id = 1n; id <= 50n; id++) {
      await appendTo(temp.store, log, [idempotentBatch(id, 1, 0, 2)]);
      await appendTo(temp.store, log, [idempotentBatch(id, 1, 2, 1)]);
    }
    const snapshot = (l: PartitionLog) => [...l.pendingState.producers].sort(([a], [b]) => (a < b ? -1 : 1));
    const before = snapshot(log);
    await temp.reopen();
    log = await PartitionLog.load(temp.store, TOPIC_ID, 0);
    expect(snapshot(log)).toEqual(before);
    log.setReplicated(true);
    await truncateTo(temp.store, log, 51n);
    const truncated = snapshot(log);
    expect(truncated.find(([id]) => id === 50n)?.[1].batches).toEqual([]);
    await temp.reopen();
    log = await PartitionLog.load(temp.store, TOPIC_ID, 0);
    expect(snapshot(log)).toEqual(truncated);
  });
});
