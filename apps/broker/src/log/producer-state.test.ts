import { ErrorCode, encodeRecordBatch, validateBatch } from '@fjord/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metaKey, producerStateKey } from './keys.js';
import { PartitionLog } from './partition-log.js';
import { ProducerSequenceError } from './producer-state.js';
import { appendTo, dumpKeys, idempotentBatch, openTempStore, type TempStore } from './temp-store.fixture.js';

const TOPIC_ID = '7c2d1e57-3d4f-4a8b-9c0d-1e2f3a4b5c6e';

/** The error code an append is refused with (fails the test when it is accepted). */
async function refusal(temp: TempStore, log: PartitionLog, batch: Buffer): Promise<number> {
  try {
    await appendTo(temp.store, log, [batch]);
  } catch (error) {
    if (error instanceof ProducerSequenceError) return error.errorCode;
    throw error;
  }
  throw new Error('the append was accepted');
}

describe('idempotent producer state', () => {
  let temp: TempStore;
  let log: PartitionLog;

  beforeEach(async () => {
    temp = await openTempStore();
    log = await PartitionLog.load(temp.store, TOPIC_ID, 0);
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('answers a retried batch with its original offset and stores it once', async () => {
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 3)])).toBe(0n);
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 3, 2)])).toBe(3n);
    const before = await dumpKeys(temp.store);
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 3)])).toBe(0n);
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 3, 2)])).toBe(3n);
    expect(log.logEndOffset).toBe(5n);
    expect(await dumpKeys(temp.store)).toEqual(before);
    // Other producers and non-idempotent batches are independent.
    expect(await appendTo(temp.store, log, [idempotentBatch(8n, 0, 0, 1)])).toBe(5n);
    expect(
      await appendTo(temp.store, log, [
        encodeRecordBatch({ records: [{ key: null, value: Buffer.from('x'), timestamp: 1 }] }),
      ]),
    ).toBe(6n);
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 5, 1)])).toBe(7n);
  });

  it('refuses a sequence that skips ahead or does not start at 0, and stores nothing', async () => {
    expect(await refusal(temp, log, idempotentBatch(7n, 0, 4, 1))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 2)]);
    const before = await dumpKeys(temp.store);
    expect(await refusal(temp, log, idempotentBatch(7n, 0, 3, 1))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    // A batch that overlaps a kept one without being equal to it is not a duplicate.
    expect(await refusal(temp, log, idempotentBatch(7n, 0, 1, 1))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(await dumpKeys(temp.store)).toEqual(before);
    expect(log.logEndOffset).toBe(2n);
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 2, 1)])).toBe(2n);
  });

  it('refuses a whole call when one of its batches is out of order', async () => {
    const before = await dumpKeys(temp.store);
    await expect(
      appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 1), idempotentBatch(7n, 0, 5, 1)]),
    ).rejects.toBeInstanceOf(ProducerSequenceError);
    expect(await dumpKeys(temp.store)).toEqual(before);
    expect(
      await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 1), idempotentBatch(7n, 0, 1, 1)]),
    ).toBe(0n);
  });

  it('fences older epochs and restarts sequences at 0 in a new epoch', async () => {
    await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 2)]);
    expect(await refusal(temp, log, idempotentBatch(7n, 1, 2, 1))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 1, 0, 1)])).toBe(2n);
    expect(await refusal(temp, log, idempotentBatch(7n, 0, 2, 1))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // The duplicate check is per epoch: epoch 0's batch is fenced, not a duplicate.
    expect(await refusal(temp, log, idempotentBatch(7n, 0, 0, 2))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('keeps the last 5 batches per producer', async () => {
    for (let seq = 0; seq < 7; seq++) await appendTo(temp.store, log, [idempotentBatch(7n, 0, seq, 1)]);
    for (let seq = 2; seq < 7; seq++) {
      expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, seq, 1)])).toBe(BigInt(seq));
    }
    // Older than every kept batch: Kafka answers out of order too.
    expect(await refusal(temp, log, idempotentBatch(7n, 0, 1, 1))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
  });

  it('evicts no producer by count: a retried first batch after 1,000 other producers is still a duplicate', async () => {
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 1)])).toBe(0n);
    for (let id = 1000n; id < 2001n; id++) await appendTo(temp.store, log, [idempotentBatch(id, 0, 0, 1)]);
    const end = log.logEndOffset;
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 1)])).toBe(0n);
    expect(log.logEndOffset).toBe(end);
  });

  it('expires a producer id producer.id.expiration.ms after its last append, also across a restart', async () => {
    let now = 1_000_000;
    const clock = { nowMs: () => now };
    log = await PartitionLog.load(temp.store, TOPIC_ID, 0, clock);
    log.setProducerIdExpirationMs(60_000);
    await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 2)]);
    now += 30_000;
    await appendTo(temp.store, log, [idempotentBatch(8n, 0, 0, 1)]);
    now += 30_000;
    // 60 s after producer 7's last append, 30 s after producer 8's.
    await temp.reopen();
    log = await PartitionLog.load(temp.store, TOPIC_ID, 0, clock);
    log.setProducerIdExpirationMs(60_000);
    expect(await appendTo(temp.store, log, [idempotentBatch(8n, 0, 1, 1)])).toBe(3n);
    // Producer 7 is forgotten: its next sequence is refused, a new sequence 0 is appended.
    expect(await refusal(temp, log, idempotentBatch(7n, 0, 2, 1))).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 2)])).toBe(4n);
    await temp.reopen();
    log = await PartitionLog.load(temp.store, TOPIC_ID, 0, clock);
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 2)])).toBe(4n);
    expect(await appendTo(temp.store, log, [idempotentBatch(8n, 0, 1, 1)])).toBe(3n);
  });

  it('writes only the producers an append changed (per-producer keys, not the whole state)', async () => {
    for (let id = 0n; id < 1000n; id++) await appendTo(temp.store, log, [idempotentBatch(id, 0, 0, 1)]);
    const bytes = idempotentBatch(500n, 0, 1, 1);
    const prepared = log.prepareAppend([{ header: validateBatch(bytes), bytes }], 0, null);
    const written = prepared.ops.reduce(
      (sum, op) => sum + op.key.length + (op.type === 'put' ? op.value.length : 0),
      0,
    );
    prepared.rollback();
    // The batch itself, its producer's entry and the (small) meta: far below 1,000 entries.
    expect(written - bytes.length).toBeLessThan(1_024);
  });

  it('rolls the state back when the write fails', async () => {
    const bytes = idempotentBatch(7n, 0, 0, 1);
    const prepared = log.prepareAppend([{ header: validateBatch(bytes), bytes }], 0, null);
    prepared.rollback();
    // Had the failed batch been remembered, this would be answered as its duplicate.
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 0, 0, 3)])).toBe(0n);
    expect(log.logEndOffset).toBe(3n);
  });

  it('survives a restart (stored with the log)', async () => {
    await appendTo(temp.store, log, [idempotentBatch(7n, 2, 0, 3)]);
    await appendTo(temp.store, log, [idempotentBatch(7n, 2, 3, 1)]);
    await temp.reopen();
    const reloaded = await PartitionLog.load(temp.store, TOPIC_ID, 0);
    expect(await appendTo(temp.store, reloaded, [idempotentBatch(7n, 2, 3, 1)])).toBe(3n);
    expect(await refusal(temp, reloaded, idempotentBatch(7n, 1, 0, 1))).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    expect(await appendTo(temp.store, reloaded, [idempotentBatch(7n, 2, 4, 1)])).toBe(4n);
    expect(reloaded.logEndOffset).toBe(5n);
  });

  it('moves the producer state of meta written by an older broker to per-producer keys', async () => {
    await appendTo(temp.store, log, [idempotentBatch(7n, 3, 0, 2)]);
    // Meta as brokers before per-producer keys wrote it: the whole state inside.
    const legacy = {
      logStartOffset: '0',
      sizeBytes: log.sizeBytes,
      leaderEpochCache: [[0, '0']],
      producers: [['7', 3, [[0, 1, '0', '1']]]],
    };
    const meta = metaKey(log.topicIdBytes, 0);
    const producerKey = producerStateKey(log.topicIdBytes, 0, 7n);
    await temp.store.write([
      { type: 'put', key: meta, value: Buffer.from(JSON.stringify(legacy)) },
      { type: 'del', key: producerKey },
    ]);
    await temp.reopen();
    log = await PartitionLog.load(temp.store, TOPIC_ID, 0);
    expect(await appendTo(temp.store, log, [idempotentBatch(7n, 3, 0, 2)])).toBe(0n);
    expect(await refusal(temp, log, idempotentBatch(7n, 2, 2, 1))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await temp.store.db.get(producerKey)).toBeDefined();
    expect(JSON.parse((await temp.store.db.get(meta))!.toString()).producers).toBeUndefined();
  });
});
