import {
  Compression,
  compressRecords,
  crc32c,
  decodeRecordBatch,
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  encodeRecordBatch,
  splitBatches,
} from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { replica } from '../cluster/replica.fixture.js';
import { batchOf, dumpKeys } from '../log/temp-store.fixture.js';
import { type BrokerHarness, startBrokerHarness } from './broker-harness.fixture.js';

const ORDERS = '11111111-2222-4333-8444-555555555555';
const SMALL = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const ELSEWHERE = '77777777-7777-4777-8777-777777777777';

let harness: BrokerHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(): Promise<BrokerHarness> {
  harness = await startBrokerHarness([
    replica('orders', ORDERS, 0),
    replica('orders', ORDERS, 1),
    replica('small', SMALL, 0, { configs: { 'max.message.bytes': '200' } }),
    replica('elsewhere', ELSEWHERE, 0, { leader: 2 }),
  ]);
  return harness;
}

const produceTo = (topic: string, partition: number, records: Buffer, acks = 1) => ({
  acks,
  timeoutMs: 1000,
  topics: [{ topic, partitions: [{ partition, records }] }],
});

/** Everything observable about storage: each log's end offset and every stored key. */
async function snapshot(h: BrokerHarness) {
  return {
    leo: h.replicas.all().map((p) => `${p.topic}/${p.partition}=${p.log.logEndOffset}`),
    keys: await dumpKeys(h.temp.store),
  };
}

function corruptCrc(batch: Buffer): Buffer {
  const copy = Buffer.from(batch);
  copy[copy.length - 1]! ^= 0xff;
  return copy;
}

function withMagic(batch: Buffer, magic: number): Buffer {
  const copy = Buffer.from(batch);
  copy[16] = magic;
  return copy;
}

function compressed(batch: Buffer): Buffer {
  const copy = Buffer.from(batch);
  copy.writeInt16BE(copy.readInt16BE(21) | 1, 21); // gzip
  copy.writeUInt32BE(crc32c(copy.subarray(21)), 17);
  return copy;
}

/**
 * The poison pill of issue #12: CRC-valid, header consistent, but the first record's length
 * varint claims ~1 MiB while the batch holds a few bytes.
 */
function poisonPill(): Buffer {
  const batch = Buffer.from(batchOf([1, 2]));
  // 0x80 0x80 0x80 0x01 is zig-zag 2^20 / 2... any length past the batch's end will do.
  const records = batch.subarray(61);
  const claimed = Buffer.from([0x80, 0x80, 0x80, 0x01]);
  const poisoned = Buffer.concat([batch.subarray(0, 61), claimed, records.subarray(1)]);
  poisoned.writeInt32BE(poisoned.length - 12, 8);
  poisoned.writeUInt32BE(crc32c(poisoned.subarray(21)), 17);
  return poisoned;
}

/** A batch whose second record's offset delta repeats the first one's (rewritten CRC). */
function repeatedOffsetDelta(): Buffer {
  const batch = Buffer.from(batchOf([1, 2]));
  const firstLength = batch[61]! >> 1;
  // Second record: its length varint (1 byte), attributes, timestamp delta (1 byte), offset delta.
  const offsetDeltaAt = 61 + 1 + firstLength + 1 + 1 + 1;
  expect(batch[offsetDeltaAt]).toBe(2); // zig-zag 1
  batch[offsetDeltaAt] = 0;
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** An lz4 batch whose records are malformed once decompressed (the value claims 100 bytes). */
function compressedWithBadRecord(): Buffer {
  const plain = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: 1 }] });
  const records = Buffer.from(plain.subarray(61));
  records[records.length - 3] = 200; // value length varint: zig-zag 100
  const section = compressRecords(Compression.Lz4, records);
  const batch = Buffer.concat([plain.subarray(0, 61), section]);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt16BE(Compression.Lz4, 21);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** 50 MB of zeros: about 50 KB of gzip, far beyond the default max.message.bytes once inflated. */
function gzipBomb(): Buffer {
  return encodeRecordBatch({
    records: [{ key: null, value: Buffer.alloc(50_000_000), timestamp: 1 }],
    compression: Compression.Gzip,
  });
}

describe('Produce', () => {
  it('stores a compressed batch as it came (only offset and epoch patched)', async () => {
    const h = await start();
    const records = Array.from({ length: 50 }, (_, i) => ({
      key: null,
      value: Buffer.from(`v${i}`.repeat(20)),
      timestamp: 1,
    }));
    const batch = encodeRecordBatch({ records, compression: Compression.Lz4 });
    const response = await h.produce(produceTo('orders', 0, Buffer.from(batch)));
    expect(response.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const stored = await h.replicas
      .all()
      .find((p) => p.topic === 'orders' && p.partition === 0)!
      .log.read(0n, 1 << 20, true);
    expect(stored.batches).toHaveLength(1);
    expect(stored.batches[0]!.subarray(16).equals(batch.subarray(16))).toBe(true);
    expect(decodeRecordBatch(stored.batches[0]!).records.map((r) => r.value?.toString())).toEqual(
      records.map((r) => r.value.toString()),
    );
  });

  it('assigns offsets, ignores the producer base offset and stores the batches as sent', async () => {
    const h = await start();
    const first = await h.produce(produceTo('orders', 0, batchOf([1, 2, 3])));
    expect(first.topics[0]!.partitions[0]).toMatchObject({
      errorCode: 0,
      baseOffset: '0',
      logStartOffset: '0',
    });
    const forged = batchOf([4]);
    forged.writeBigInt64BE(1_000n, 0); // outside the CRC: the broker overwrites it
    const second = await h.produce(produceTo('orders', 0, Buffer.concat([forged, batchOf([5, 6])])));
    expect(second.topics[0]!.partitions[0]).toMatchObject({
      errorCode: 0,
      baseOffset: '3',
      logAppendTimeMs: '-1',
    });
    const log = h.replicas.get('orders', 0)!.log;
    expect(log.logEndOffset).toBe(6n);
    const read = await log.read(0n, 1 << 20, true);
    const offsets = read.batches.flatMap((b) => decodeRecordBatch(b).records.map((r) => r.offset));
    expect(offsets).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
  });

  it('refuses acks other than 0, 1, -1 with INVALID_REQUIRED_ACKS and stores nothing', async () => {
    const h = await start();
    const before = await snapshot(h);
    const error = await h.produce(produceTo('orders', 0, batchOf([1]), 2)).catch((e: grpc.ServiceError) => e);
    expect((error as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((error as grpc.ServiceError).metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([
      String(ErrorCode.INVALID_REQUIRED_ACKS),
    ]);
    expect(await snapshot(h)).toEqual(before);
  });

  const badInputs: Array<[string, string, number, () => Buffer, number]> = [
    ['bad CRC', 'orders', 0, () => corruptCrc(batchOf([1, 2])), ErrorCode.CORRUPT_MESSAGE],
    ['truncated batch', 'orders', 0, () => batchOf([1, 2]).subarray(0, 70), ErrorCode.CORRUPT_MESSAGE],
    ['wrong magic', 'orders', 0, () => withMagic(batchOf([1]), 1), ErrorCode.CORRUPT_MESSAGE],
    ['empty records', 'orders', 0, () => Buffer.alloc(0), ErrorCode.CORRUPT_MESSAGE],
    [
      'good batch then bad one',
      'orders',
      0,
      () => Buffer.concat([batchOf([1]), corruptCrc(batchOf([2]))]),
      2,
    ],
    [
      'batch flagged gzip that is not gzip',
      'orders',
      0,
      () => compressed(batchOf([1])),
      ErrorCode.CORRUPT_MESSAGE,
    ],
    ['gzip decompression bomb', 'orders', 0, () => gzipBomb(), ErrorCode.MESSAGE_TOO_LARGE],
    ['batch over max.message.bytes', 'small', 0, () => batchOf(new Array(40).fill(1)), 10],
    ['poison pill: a record claiming ~1 MiB', 'orders', 0, () => poisonPill(), ErrorCode.INVALID_RECORD],
    ['repeated offset delta', 'orders', 0, () => repeatedOffsetDelta(), ErrorCode.INVALID_RECORD],
    ['malformed record inside lz4', 'orders', 0, () => compressedWithBadRecord(), ErrorCode.INVALID_RECORD],
    [
      'timestamp 2 hours ahead (message.timestamp.after.max.ms)',
      'orders',
      0,
      () => batchOf([Date.now(), Date.now() + 2 * 3_600_000]),
      ErrorCode.INVALID_TIMESTAMP,
    ],
    ['unknown partition', 'orders', 9, () => batchOf([1]), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['unknown topic', 'nope', 0, () => batchOf([1]), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['not the leader', 'elsewhere', 0, () => batchOf([1]), ErrorCode.NOT_LEADER_OR_FOLLOWER],
  ];
  it.each(badInputs)(
    '%s gets its error code and leaves the log unchanged',
    async (_, topic, partition, records, code) => {
      const h = await start();
      await h.produce(produceTo('orders', 0, batchOf([0])));
      const before = await snapshot(h);
      const response = await h.produce(produceTo(topic, partition, records()));
      const result = response.topics[0]!.partitions[0]!;
      expect(result.errorCode).toBe(code);
      expect(result.errorMessage).not.toBe('');
      expect(result.baseOffset).toBe('-1');
      expect(await snapshot(h)).toEqual(before);
    },
  );

  it('names the partition, the batch and the record of a refused record', async () => {
    const h = await start();
    const response = await h.produce(
      produceTo('orders', 1, Buffer.concat([batchOf([1]), batchOf([2]), poisonPill()])),
    );
    const result = response.topics[0]!.partitions[0]!;
    expect(result.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(result.errorMessage).toMatch(/^orders\/1 batch 2 record 0 \(byte 0\) declares a length of/);
    expect(h.replicas.get('orders', 1)!.log.logEndOffset).toBe(0n);
  });

  it('corrects a header maxTimestamp that is not the largest record timestamp (as Kafka), CRC rewritten', async () => {
    const h = await start();
    const now = Date.now();
    const lying = encodeRecordBatch({
      records: [
        { key: null, value: Buffer.from('a'), timestamp: now - 1_000 },
        { key: null, value: Buffer.from('b'), timestamp: now },
      ],
    });
    // Ten hours ahead: retention would keep the batch that much too long.
    lying.writeBigInt64BE(BigInt(now + 36_000_000), 35);
    lying.writeUInt32BE(crc32c(lying.subarray(21)), 17);
    const response = await h.produce(produceTo('orders', 0, Buffer.from(lying)));
    expect(response.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: '0' });
    const stored = await h.replicas.get('orders', 0)!.log.read(0n, 1 << 20, true);
    const [batch] = splitBatches(stored.batches[0]!); // checks the rewritten CRC
    expect(batch!.header.maxTimestamp).toBe(now);
    expect(decodeRecordBatch(batch!.bytes).records.map((r) => r.timestamp)).toEqual([now - 1_000, now]);
  });

  it('refuses timestamps older than message.timestamp.before.max.ms', async () => {
    harness = await startBrokerHarness([
      replica('recent', ORDERS, 0, { configs: { 'message.timestamp.before.max.ms': '60000' } }),
    ]);
    const old = await harness.produce(produceTo('recent', 0, batchOf([Date.now() - 120_000])));
    expect(old.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.INVALID_TIMESTAMP });
    expect(old.topics[0]!.partitions[0]!.errorMessage).toMatch(/before\.max\.ms is 60000/);
    const fresh = await harness.produce(produceTo('recent', 0, batchOf([Date.now() - 1_000])));
    expect(fresh.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, baseOffset: '0' });
  });

  it('refreshes metadata once for a request with unknown topics', async () => {
    const h = await start();
    const response = await h.produce({
      acks: 1,
      topics: [
        { topic: 'nope', partitions: [{ partition: 0, records: batchOf([1]) }] },
        { topic: 'other', partitions: [{ partition: 0, records: batchOf([1]) }] },
      ],
    });
    expect(response.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([3, 3]);
    expect(h.refreshCount()).toBe(1);
  });

  it('stores the good partition when another partition of the request is bad', async () => {
    const h = await start();
    const response = await h.produce({
      acks: -1,
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, records: corruptCrc(batchOf([1])) },
            { partition: 1, records: batchOf([1, 2]) },
          ],
        },
      ],
    });
    const [bad, good] = response.topics[0]!.partitions;
    expect(bad).toMatchObject({ partition: 0, errorCode: ErrorCode.CORRUPT_MESSAGE });
    expect(good).toMatchObject({ partition: 1, errorCode: 0, baseOffset: '0' });
    expect(h.replicas.get('orders', 0)!.log.logEndOffset).toBe(0n);
    expect(h.replicas.get('orders', 1)!.log.logEndOffset).toBe(2n);
  });

  it('answers an idempotent retry with its original offset, refuses a sequence gap, stores each once', async () => {
    const h = await start();
    const batch = (baseSequence: number, producerEpoch = 0) =>
      encodeRecordBatch({
        producerId: 42n,
        producerEpoch,
        baseSequence,
        records: [1, 2].map((timestamp) => ({ key: null, value: Buffer.from('v'), timestamp })),
      });
    const partition = async (records: Buffer) =>
      (await h.produce(produceTo('orders', 0, records, -1))).topics[0]!.partitions[0]!;
    // Concurrent first attempt and retry (an answer lost in flight): one copy, one offset.
    const [first, retry] = await Promise.all([partition(batch(0)), partition(batch(0))]);
    expect(first).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(retry).toMatchObject({ errorCode: 0, baseOffset: '0' });
    expect(await partition(batch(2))).toMatchObject({ errorCode: 0, baseOffset: '2' });
    const before = await snapshot(h);
    expect(await partition(batch(6))).toMatchObject({
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      baseOffset: '-1',
    });
    expect(await partition(batch(4, 1))).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(await snapshot(h)).toEqual(before);
    expect(await partition(batch(0, 1))).toMatchObject({ errorCode: 0, baseOffset: '4' });
    expect(await partition(batch(4, 0))).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(h.replicas.get('orders', 0)!.log.logEndOffset).toBe(6n);
  });

  it('refuses at once a batch that overtook its predecessor, and stores it once resent behind it', async () => {
    const h = await start();
    const batch = (baseSequence: number, value: string) =>
      encodeRecordBatch({
        producerId: 7n,
        producerEpoch: 0,
        baseSequence,
        records: [{ key: null, value: Buffer.from(value), timestamp: 1 }],
      });
    const partition = async (records: Buffer) =>
      (await h.produce(produceTo('orders', 0, records, -1))).topics[0]!.partitions[0]!;
    expect(await partition(batch(0, 'a'))).toMatchObject({ errorCode: 0, baseOffset: '0' });
    // Sequence 2 arrives before 1 (unary calls can overtake each other): refused without a wait,
    // nothing stored; the producer resends it after 1 (a ProduceStream keeps them in order).
    const startedAt = Date.now();
    expect(await partition(batch(2, 'c'))).toMatchObject({
      errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    expect(Date.now() - startedAt).toBeLessThan(100);
    expect(h.replicas.get('orders', 0)!.log.logEndOffset).toBe(1n);
    expect(await partition(batch(1, 'b'))).toMatchObject({ errorCode: 0, baseOffset: '1' });
    expect(await partition(batch(2, 'c'))).toMatchObject({ errorCode: 0, baseOffset: '2' });
    const read = await h.replicas.get('orders', 0)!.log.read(0n, 1 << 20, true);
    const values = read.batches
      .flatMap((b) => splitBatches(b))
      .flatMap((b) => decodeRecordBatch(b.bytes).records.map((r) => r.value!.toString()));
    expect(values).toEqual(['a', 'b', 'c']);
  });

  it('keeps offsets contiguous under many concurrent produce calls (group commit)', async () => {
    const h = await start();
    const calls = Array.from({ length: 60 }, (_, i) => h.produce(produceTo('orders', 0, batchOf([i, i, i]))));
    const responses = await Promise.all(calls);
    const bases = responses
      .map((r) => BigInt(r.topics[0]!.partitions[0]!.baseOffset))
      .sort((a, b) => Number(a - b));
    expect(bases).toEqual(Array.from({ length: 60 }, (_, i) => BigInt(i * 3)));
    const log = h.replicas.get('orders', 0)!.log;
    expect(log.logEndOffset).toBe(180n);
    const read = await log.read(0n, 1 << 24, true);
    const offsets = read.batches
      .flatMap((b) => splitBatches(b))
      .flatMap((b) => decodeRecordBatch(b.bytes).records);
    expect(offsets.map((r) => r.offset)).toEqual(Array.from({ length: 180 }, (_, i) => BigInt(i)));
  });

  it('answers acks=0 without an offset but still stores the batch', async () => {
    const h = await start();
    const response = await h.produce(produceTo('orders', 0, batchOf([1]), 0));
    expect(response.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, baseOffset: '-1' });
    await h.temp.store.write([]);
    expect(h.replicas.get('orders', 0)!.log.logEndOffset).toBe(1n);
  });

  it('answers KAFKA_STORAGE_ERROR when the write fails and reuses the offsets afterwards', async () => {
    const h = await start();
    await h.produce(produceTo('orders', 0, batchOf([1])));
    await h.temp.store.db.close();
    const failed = await h.produce(produceTo('orders', 0, batchOf([2])));
    expect(failed.topics[0]!.partitions[0]).toMatchObject({
      errorCode: ErrorCode.KAFKA_STORAGE_ERROR,
      baseOffset: '-1',
    });
    expect(h.replicas.get('orders', 0)!.log.logEndOffset).toBe(1n);
    await h.temp.store.db.open();
    const retried = await h.produce(produceTo('orders', 0, batchOf([2])));
    expect(retried.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, baseOffset: '1' });
  });

  it('stamps LogAppendTime topics with the broker time', async () => {
    harness = await startBrokerHarness(
      [replica('audit', ORDERS, 0, { configs: { 'message.timestamp.type': 'LogAppendTime' } })],
      { nowMs: () => 1_234_567 },
    );
    const response = await harness.produce(produceTo('audit', 0, batchOf([5, 6])));
    expect(response.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, logAppendTimeMs: '1234567' });
    const [batch] = (await harness.replicas.get('audit', 0)!.log.read(0n, 1 << 20, true)).batches;
    expect(decodeRecordBatch(batch!).records.map((r) => r.timestamp)).toEqual([1_234_567, 1_234_567]);
  });
});
