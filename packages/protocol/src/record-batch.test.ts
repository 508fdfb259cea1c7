import { describe, expect, it } from 'vitest';
import { Compression } from './compression/index.js';
import { crc32c } from './crc32c.js';
import { ErrorCode, ProtocolError } from './errors.js';
import {
  decodeRecordBatch,
  EARLIEST_TIMESTAMP,
  type EncodeBatchInput,
  encodeRecordBatch,
  LATEST_TIMESTAMP,
  patchBaseOffset,
  patchPartitionLeaderEpoch,
  RECORD_BATCH_OVERHEAD,
  type RecordInput,
  readBatchHeader,
  setLogAppendTime,
  setProducerState,
  splitBatches,
  TimestampType,
  validateBatch,
} from './record-batch.js';
import { writeVarint } from './varint.js';

const T0 = 1_700_000_000_000;
const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Expects `fn` to throw a ProtocolError with `code`, and a message matching `message`. */
function expectProtocolError(fn: () => unknown, code: number, message?: RegExp): ProtocolError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a ProtocolError').toBeInstanceOf(ProtocolError);
  const err = caught as ProtocolError;
  expect(err.errorName).toBe(Object.entries(ErrorCode).find(([, c]) => c === code)?.[0]);
  if (message) expect(err.message).toMatch(message);
  return err;
}

/** Rewrites the CRC after a test tampered with bytes inside it, so later checks are reached. */
function recrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** Zig-zag varint bytes, for hand-written records. */
function vi(value: number): number[] {
  const buf = new Uint8Array(5);
  return [...buf.subarray(0, writeVarint(buf, 0, value))];
}

/**
 * A batch written from the spec with plain Buffer writes: header fields at their offsets,
 * the given raw record bytes, batchLength and CRC filled in. Used for the golden test and to
 * craft malformed records that the encoder would never produce.
 */
function handBuiltBatch(
  records: number[],
  opts: {
    count: number;
    lastOffsetDelta?: number;
    attributes?: number;
    baseTimestamp?: number;
    maxTimestamp?: number;
  },
): Buffer {
  const buf = Buffer.alloc(61 + records.length);
  buf.writeBigInt64BE(0n, 0); // baseOffset
  buf.writeInt32BE(buf.length - 12, 8); // batchLength: bytes after this field
  buf.writeInt32BE(-1, 12); // partitionLeaderEpoch
  buf.writeInt8(2, 16); // magic
  buf.writeInt16BE(opts.attributes ?? 0, 21);
  buf.writeInt32BE(opts.lastOffsetDelta ?? opts.count - 1, 23);
  buf.writeBigInt64BE(BigInt(opts.baseTimestamp ?? T0), 27);
  buf.writeBigInt64BE(BigInt(opts.maxTimestamp ?? T0), 35);
  buf.writeBigInt64BE(-1n, 43); // producerId
  buf.writeInt16BE(-1, 51); // producerEpoch
  buf.writeInt32BE(-1, 53); // baseSequence
  buf.writeInt32BE(opts.count, 57);
  Buffer.from(records).copy(buf, 61);
  return recrc(buf);
}

/** A well-formed record body (after the length varint) with the given key/value bytes. */
function recordBytes(fields: number[]): number[] {
  return [...vi(fields.length), ...fields];
}

function sampleBatch(count: number, extra: Partial<EncodeBatchInput> = {}): Buffer {
  const records: RecordInput[] = Array.from({ length: count }, (_, i) => ({
    key: b(`key-${i}`),
    value: b(`value-${i}-${'x'.repeat(i % 17)}`),
    timestamp: T0 + i,
  }));
  return encodeRecordBatch({ records, ...extra });
}

describe('constants', () => {
  it('have Kafka values', () => {
    expect(RECORD_BATCH_OVERHEAD).toBe(61);
    expect(LATEST_TIMESTAMP).toBe(-1);
    expect(EARLIEST_TIMESTAMP).toBe(-2);
    expect(Compression).toEqual({ None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 });
    expect(TimestampType).toEqual({ CreateTime: 0, LogAppendTime: 1 });
  });
});

describe('encodeRecordBatch layout (golden)', () => {
  it('equals a batch written byte by byte from the RecordBatch v2 spec', () => {
    // One record: attributes 0, timestampDelta 0, offsetDelta 0, key "k", value "v", no headers.
    const record = [0x00, 0x00, 0x00, 0x02, 0x6b, 0x02, 0x76, 0x00];
    const expected = Buffer.alloc(70);
    expected.writeBigInt64BE(0n, 0); // baseOffset
    expected.writeInt32BE(58, 8); // batchLength = 70 - 12
    expected.writeInt32BE(-1, 12); // partitionLeaderEpoch
    expected.writeInt8(2, 16); // magic
    // crc @17 last
    expected.writeInt16BE(0, 21); // attributes: no compression, CreateTime
    expected.writeInt32BE(0, 23); // lastOffsetDelta
    expected.writeBigInt64BE(BigInt(T0), 27); // baseTimestamp
    expected.writeBigInt64BE(BigInt(T0), 35); // maxTimestamp
    expected.writeBigInt64BE(-1n, 43); // producerId
    expected.writeInt16BE(-1, 51); // producerEpoch
    expected.writeInt32BE(-1, 53); // baseSequence
    expected.writeInt32BE(1, 57); // record count
    expected[61] = 0x10; // record length 8, zig-zag
    Buffer.from(record).copy(expected, 62);
    expected.writeUInt32BE(crc32c(expected.subarray(21)), 17);

    const actual = encodeRecordBatch({ records: [{ key: b('k'), value: b('v'), timestamp: T0 }] });
    expect(actual.toString('hex')).toBe(expected.toString('hex'));
    // The same bytes as a literal, CRC included, so neither side can drift unnoticed.
    expect(actual.toString('hex')).toBe(
      '00000000000000000000003affffffff02e99b8dd80000000000000000018bcfe568000000018bcfe568' +
        '00ffffffffffffffffffffffffffff0000000110000000026b027600',
    );
  });

  it('encodes headers, nulls, negative timestamp deltas and producer fields as specified', () => {
    const actual = encodeRecordBatch({
      baseOffset: 5n,
      partitionLeaderEpoch: 3,
      producerId: 1000n,
      producerEpoch: 2,
      baseSequence: 7,
      records: [
        {
          key: null,
          value: b('hello'),
          timestamp: T0,
          headers: [
            { key: 'h', value: b('x') },
            { key: 'n', value: null },
          ],
        },
        { key: b('k2'), value: null, timestamp: T0 - 10 },
      ],
    });
    const rec0 = [0x00, 0x00, 0x00, ...vi(-1), ...vi(5), ...b('hello'), ...vi(2)]
      .concat([...vi(1), 0x68, ...vi(1), 0x78]) // header "h" = "x"
      .concat([...vi(1), 0x6e, ...vi(-1)]); // header "n" = null
    const rec1 = [0x00, ...vi(-10), ...vi(1), ...vi(2), 0x6b, 0x32, ...vi(-1), ...vi(0)];
    const expected = handBuiltBatch([...recordBytes(rec0), ...recordBytes(rec1)], { count: 2 });
    expected.writeBigInt64BE(5n, 0);
    expected.writeInt32BE(3, 12);
    expected.writeBigInt64BE(1000n, 43);
    expected.writeInt16BE(2, 51);
    expected.writeInt32BE(7, 53);
    recrc(expected);
    expect(actual.toString('hex')).toBe(expected.toString('hex'));
  });
});

describe('encodeRecordBatch / decodeRecordBatch round trip', () => {
  it('round-trips null keys, null values, empty values and empty keys', () => {
    const records: RecordInput[] = [
      { key: null, value: b('no key'), timestamp: T0 },
      { key: b('no value'), value: null, timestamp: T0 },
      { key: b('empty value'), value: Buffer.alloc(0), timestamp: T0 },
      { key: Buffer.alloc(0), value: b('empty key'), timestamp: T0 },
      { key: null, value: null, timestamp: T0 },
    ];
    const decoded = decodeRecordBatch(encodeRecordBatch({ records }));
    expect(decoded.records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      [null, 'no key'],
      ['no value', null],
      ['empty value', ''],
      ['', 'empty key'],
      [null, null],
    ]);
  });

  it('round-trips headers: null values, unicode keys, duplicates and order', () => {
    const headers = [
      { key: 'trace-id', value: b('abc') },
      { key: 'nullable', value: null },
      { key: 'ключ', value: Buffer.from([0x00, 0xff, 0x80]) },
      { key: '🔑 é 中文', value: Buffer.alloc(0) },
      { key: 'trace-id', value: b('duplicate') },
      { key: '', value: b('empty key') },
    ];
    const [rec] = decodeRecordBatch(
      encodeRecordBatch({ records: [{ key: b('k'), value: b('v'), timestamp: T0, headers }] }),
    ).records;
    expect(rec!.headers).toEqual(headers);
  });

  it('round-trips binary keys and values unchanged', () => {
    const key = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const value = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
    const [rec] = decodeRecordBatch(encodeRecordBatch({ records: [{ key, value, timestamp: T0 }] })).records;
    expect(rec!.key!.equals(key)).toBe(true);
    expect(rec!.value!.equals(value)).toBe(true);
  });

  it('round-trips many records with offsets and timestamps', () => {
    const records: RecordInput[] = Array.from({ length: 1000 }, (_, i) => ({
      key: i % 3 === 0 ? null : b(`k${i}`),
      value: b(`v${i}`.repeat(i % 13)),
      timestamp: T0 + ((i * 7919) % 5000) - 2500,
      headers: i % 5 === 0 ? [{ key: `h${i}`, value: b(String(i)) }] : [],
    }));
    const batch = encodeRecordBatch({ records, baseOffset: 1_000_000n });
    const { header, records: out } = decodeRecordBatch(batch);
    expect(header.recordCount).toBe(1000);
    expect(header.lastOffsetDelta).toBe(999);
    expect(out).toHaveLength(1000);
    out.forEach((r, i) => {
      const input = records[i]!;
      expect(r.offset).toBe(1_000_000n + BigInt(i));
      expect(r.timestamp).toBe(input.timestamp);
      expect(r.key?.toString() ?? null).toBe(input.key?.toString() ?? null);
      expect(r.value!.toString()).toBe(input.value!.toString());
      expect(r.headers).toEqual(input.headers);
    });
  });

  it('takes baseTimestamp from the first record and maxTimestamp from the largest', () => {
    const records = [T0 + 50, T0, T0 + 200, T0 - 100].map((timestamp) => ({
      key: null,
      value: b('x'),
      timestamp,
    }));
    const batch = encodeRecordBatch({ records });
    const header = readBatchHeader(batch);
    expect(header.baseTimestamp).toBe(T0 + 50);
    expect(header.maxTimestamp).toBe(T0 + 200);
    expect(decodeRecordBatch(batch).records.map((r) => r.timestamp)).toEqual([
      T0 + 50,
      T0,
      T0 + 200,
      T0 - 100,
    ]);
  });

  it('handles timestamps far apart (multi-byte varlong deltas) and zero / negative timestamps', () => {
    for (const timestamps of [
      [0, T0],
      [T0, 0],
      [-5, 5],
      [2 ** 40, -(2 ** 40)],
    ]) {
      const records = timestamps.map((timestamp) => ({ key: null, value: null, timestamp }));
      expect(decodeRecordBatch(encodeRecordBatch({ records })).records.map((r) => r.timestamp)).toEqual(
        timestamps,
      );
    }
  });

  it('round-trips a 1 MiB value (multi-byte record length)', () => {
    const value = Buffer.alloc(1 << 20, 0xab);
    const batch = encodeRecordBatch({ records: [{ key: b('big'), value, timestamp: T0 }] });
    const [rec] = decodeRecordBatch(batch).records;
    expect(rec!.value!.equals(value)).toBe(true);
  });

  it('treats an omitted headers array as no headers', () => {
    const [rec] = decodeRecordBatch(
      encodeRecordBatch({ records: [{ key: null, value: b('v'), timestamp: T0 }] }),
    ).records;
    expect(rec!.headers).toEqual([]);
  });

  it('returns keys and values as views into the batch, without copying', () => {
    const batch = encodeRecordBatch({ records: [{ key: b('key'), value: b('value'), timestamp: T0 }] });
    const [rec] = decodeRecordBatch(batch).records;
    expect(rec!.key!.buffer).toBe(batch.buffer);
    expect(rec!.value!.buffer).toBe(batch.buffer);
    expect(Buffer.isBuffer(rec!.value)).toBe(true);
  });

  it('decodes a batch given as a plain Uint8Array', () => {
    const batch = encodeRecordBatch({ records: [{ key: b('k'), value: b('v'), timestamp: T0 }] });
    const { records } = decodeRecordBatch(new Uint8Array(batch) as Buffer);
    expect(records[0]!.value!.toString()).toBe('v');
    expect(Buffer.isBuffer(records[0]!.value)).toBe(true);
  });
});

describe('encodeRecordBatch header fields and input checks', () => {
  it('fills the header from the input', () => {
    const batch = sampleBatch(3, {
      baseOffset: 42n,
      partitionLeaderEpoch: 9,
      producerId: 123_456_789_012n,
      producerEpoch: 4,
      baseSequence: 100,
    });
    expect(readBatchHeader(batch)).toEqual({
      baseOffset: 42n,
      batchLength: batch.length - 12,
      sizeInBytes: batch.length,
      partitionLeaderEpoch: 9,
      magic: 2,
      crc: crc32c(batch.subarray(21)),
      attributes: 0,
      compression: Compression.None,
      timestampType: TimestampType.CreateTime,
      isTransactional: false,
      isControl: false,
      lastOffsetDelta: 2,
      baseTimestamp: T0,
      maxTimestamp: T0 + 2,
      producerId: 123_456_789_012n,
      producerEpoch: 4,
      baseSequence: 100,
      recordCount: 3,
    });
  });

  it('uses Kafka "none" defaults for optional fields', () => {
    const h = readBatchHeader(sampleBatch(1));
    expect([h.baseOffset, h.partitionLeaderEpoch, h.producerId, h.producerEpoch, h.baseSequence]).toEqual([
      0n,
      -1,
      -1n,
      -1,
      -1,
    ]);
  });

  it.each([5, 7, -1])('refuses unknown compression %i with UNSUPPORTED_COMPRESSION_TYPE', (compression) => {
    expectProtocolError(
      () => encodeRecordBatch({ records: [{ key: null, value: b('v'), timestamp: T0 }], compression }),
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    );
  });

  it('accepts an explicit Compression.None', () => {
    expect(() =>
      encodeRecordBatch({
        records: [{ key: null, value: b('v'), timestamp: T0 }],
        compression: Compression.None,
      }),
    ).not.toThrow();
  });

  it('refuses an empty batch with INVALID_RECORD', () => {
    expectProtocolError(
      () => encodeRecordBatch({ records: [] }),
      ErrorCode.INVALID_RECORD,
      /at least one record/,
    );
  });

  it.each([Number.NaN, 1.5, 2 ** 53, Number.POSITIVE_INFINITY])(
    'refuses timestamp %s with INVALID_TIMESTAMP',
    (ts) => {
      expectProtocolError(
        () =>
          encodeRecordBatch({
            records: [
              { key: null, value: null, timestamp: T0 },
              { key: null, value: null, timestamp: ts },
            ],
          }),
        ErrorCode.INVALID_TIMESTAMP,
      );
    },
  );

  it('refuses timestamps whose delta is not a safe integer', () => {
    const records = [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER].map((timestamp) => ({
      key: null,
      value: null,
      timestamp,
    }));
    expectProtocolError(() => encodeRecordBatch({ records }), ErrorCode.INVALID_TIMESTAMP, /delta/);
  });

  it('produces exactly sizeInBytes bytes', () => {
    for (const n of [1, 2, 10, 100]) {
      const batch = sampleBatch(n);
      expect(batch.length).toBe(readBatchHeader(batch).sizeInBytes);
    }
  });
});

describe('readBatchHeader', () => {
  it('reads a header at an offset', () => {
    const first = sampleBatch(1);
    const second = sampleBatch(2, { baseOffset: 77n });
    const h = readBatchHeader(Buffer.concat([first, second]), first.length);
    expect(h.baseOffset).toBe(77n);
    expect(h.recordCount).toBe(2);
  });

  it('does not check the CRC or the batch body', () => {
    const batch = sampleBatch(2);
    batch[batch.length - 1]! ^= 0xff;
    expect(readBatchHeader(batch.subarray(0, 61)).recordCount).toBe(2);
  });

  it('decodes attribute bits', () => {
    const batch = sampleBatch(1);
    batch.writeInt16BE(0x3b, 21); // 0b11_1011: compression 3 (lz4), LogAppendTime, transactional, control
    const h = readBatchHeader(batch);
    expect([h.compression, h.timestampType, h.isTransactional, h.isControl]).toEqual([3, 1, true, true]);
  });

  it('throws CORRUPT_MESSAGE when fewer than 61 bytes remain', () => {
    expectProtocolError(
      () => readBatchHeader(Buffer.alloc(60)),
      ErrorCode.CORRUPT_MESSAGE,
      /need 61 bytes .* have 60/,
    );
    const batch = sampleBatch(1);
    expectProtocolError(
      () => readBatchHeader(batch, batch.length - 60),
      ErrorCode.CORRUPT_MESSAGE,
      /have 60/,
    );
    expectProtocolError(() => readBatchHeader(batch, batch.length + 5), ErrorCode.CORRUPT_MESSAGE, /have 0/);
  });

  it('throws CORRUPT_MESSAGE for a magic other than 2', () => {
    for (const magic of [0, 1, 3]) {
      const batch = sampleBatch(1);
      batch.writeInt8(magic, 16);
      expectProtocolError(
        () => readBatchHeader(batch),
        ErrorCode.CORRUPT_MESSAGE,
        new RegExp(`magic ${magic}`),
      );
    }
  });

  it('throws CORRUPT_MESSAGE for a batchLength below 49', () => {
    for (const len of [48, 0, -1]) {
      const batch = sampleBatch(1);
      batch.writeInt32BE(len, 8);
      expectProtocolError(() => readBatchHeader(batch), ErrorCode.CORRUPT_MESSAGE, /below the minimum of 49/);
    }
  });
});

describe('validateBatch', () => {
  it('accepts what the encoder writes and returns its header', () => {
    const batch = sampleBatch(5);
    expect(validateBatch(batch)).toEqual(readBatchHeader(batch));
  });

  it('catches any flipped byte from the attributes to the end (CRC)', () => {
    const original = sampleBatch(3);
    for (let i = 21; i < original.length; i++) {
      const batch = Buffer.from(original);
      batch[i]! ^= 0x01;
      expectProtocolError(
        () => validateBatch(batch),
        ErrorCode.CORRUPT_MESSAGE,
        /CRC mismatch: stored 0x[0-9a-f]{8}, computed 0x/,
      );
    }
  });

  it('catches a damaged stored CRC', () => {
    const batch = sampleBatch(1);
    batch[18]! ^= 0x80;
    expectProtocolError(() => validateBatch(batch), ErrorCode.CORRUPT_MESSAGE, /CRC mismatch/);
  });

  it('catches a wrong magic', () => {
    const batch = sampleBatch(1);
    batch.writeInt8(1, 16);
    expectProtocolError(() => validateBatch(batch), ErrorCode.CORRUPT_MESSAGE, /magic 1/);
  });

  it('catches a truncated buffer', () => {
    const batch = sampleBatch(4);
    expectProtocolError(
      () => validateBatch(batch.subarray(0, batch.length - 1)),
      ErrorCode.CORRUPT_MESSAGE,
      /size mismatch/,
    );
    expectProtocolError(() => validateBatch(batch.subarray(0, 40)), ErrorCode.CORRUPT_MESSAGE, /truncated/);
  });

  it('catches trailing bytes after the batch', () => {
    const batch = Buffer.concat([sampleBatch(1), Buffer.from([0])]);
    expectProtocolError(() => validateBatch(batch), ErrorCode.CORRUPT_MESSAGE, /size mismatch/);
  });

  it('catches lastOffsetDelta not matching the record count', () => {
    const batch = sampleBatch(3);
    batch.writeInt32BE(5, 23);
    expectProtocolError(
      () => validateBatch(recrc(batch)),
      ErrorCode.CORRUPT_MESSAGE,
      /lastOffsetDelta 5 .* record count 3/,
    );
  });

  it('catches a record count of zero or below', () => {
    for (const count of [0, -1]) {
      const batch = sampleBatch(1);
      batch.writeInt32BE(count, 57);
      batch.writeInt32BE(count - 1, 23);
      expectProtocolError(() => validateBatch(recrc(batch)), ErrorCode.CORRUPT_MESSAGE, /record count/);
    }
  });

  it('catches a record count that cannot fit in the record bytes', () => {
    const batch = sampleBatch(1);
    batch.writeInt32BE(1_000_000, 57);
    batch.writeInt32BE(999_999, 23);
    expectProtocolError(() => validateBatch(recrc(batch)), ErrorCode.CORRUPT_MESSAGE, /cannot fit/);
  });

  it.each([5, 6, 7])('refuses unknown compression %i with UNSUPPORTED_COMPRESSION_TYPE', (compression) => {
    const batch = sampleBatch(1);
    batch.writeInt16BE(compression, 21);
    expectProtocolError(
      () => validateBatch(recrc(batch)),
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      /compression type/,
    );
  });

  it.each([1, 2, 3, 4])(
    'accepts known compression %i without decompressing (the broker stores bytes as-is)',
    (c) => {
      const batch = sampleBatch(1);
      batch.writeInt16BE(c, 21);
      expect(validateBatch(recrc(batch)).compression).toBe(c);
    },
  );

  it('checks the CRC before trusting the attributes', () => {
    const batch = sampleBatch(1);
    batch.writeInt16BE(7, 21); // unknown compression, CRC not updated
    expectProtocolError(() => validateBatch(batch), ErrorCode.CORRUPT_MESSAGE, /CRC mismatch/);
  });
});

describe('splitBatches', () => {
  it('splits three concatenated batches into views of the input', () => {
    const parts = [
      sampleBatch(1, { baseOffset: 0n }),
      sampleBatch(7, { baseOffset: 1n }),
      sampleBatch(3, { baseOffset: 8n }),
    ];
    const all = Buffer.concat(parts);
    const split = splitBatches(all);
    expect(split).toHaveLength(3);
    let offset = 0;
    split.forEach(({ header, bytes }, i) => {
      expect(bytes.equals(parts[i]!)).toBe(true);
      expect(header).toEqual(readBatchHeader(parts[i]!));
      expect(bytes.buffer).toBe(all.buffer);
      expect(bytes.byteOffset).toBe(all.byteOffset + offset);
      offset += bytes.length;
    });
  });

  it('accepts a single batch', () => {
    const batch = sampleBatch(2);
    expect(splitBatches(batch).map((s) => s.header.recordCount)).toEqual([2]);
  });

  it('throws CORRUPT_MESSAGE on empty input', () => {
    expectProtocolError(() => splitBatches(Buffer.alloc(0)), ErrorCode.CORRUPT_MESSAGE, /empty/);
  });

  it('throws CORRUPT_MESSAGE on a tail cut inside the last batch body', () => {
    const all = Buffer.concat([sampleBatch(1), sampleBatch(2), sampleBatch(3)]);
    expectProtocolError(
      () => splitBatches(all.subarray(0, all.length - 1)),
      ErrorCode.CORRUPT_MESSAGE,
      /truncated record batch at byte/,
    );
  });

  it('throws CORRUPT_MESSAGE on a tail shorter than a batch header', () => {
    const first = sampleBatch(1);
    const all = Buffer.concat([first, sampleBatch(2).subarray(0, 30)]);
    expectProtocolError(
      () => splitBatches(all),
      ErrorCode.CORRUPT_MESSAGE,
      new RegExp(`at byte ${first.length}: 30 bytes left`),
    );
  });

  it('validates every batch (a corrupt middle batch fails the CRC)', () => {
    const middle = sampleBatch(2);
    middle[middle.length - 1]! ^= 0xff;
    const all = Buffer.concat([sampleBatch(1), middle, sampleBatch(1)]);
    expectProtocolError(() => splitBatches(all), ErrorCode.CORRUPT_MESSAGE, /CRC mismatch/);
  });

  it('rejects garbage (wrong magic) between batches', () => {
    const all = Buffer.concat([sampleBatch(1), Buffer.alloc(80)]);
    expectProtocolError(() => splitBatches(all), ErrorCode.CORRUPT_MESSAGE, /magic 0/);
  });
});

describe('patchBaseOffset / patchPartitionLeaderEpoch', () => {
  it('patchBaseOffset rewrites bytes 0..7 only and keeps the CRC valid', () => {
    const batch = sampleBatch(3);
    const before = Buffer.from(batch);
    patchBaseOffset(batch, 1_234_567_890_123n);
    expect(batch.subarray(8).equals(before.subarray(8))).toBe(true);
    expect(validateBatch(batch).baseOffset).toBe(1_234_567_890_123n);
    expect(decodeRecordBatch(batch).records.map((r) => r.offset)).toEqual([
      1_234_567_890_123n,
      1_234_567_890_124n,
      1_234_567_890_125n,
    ]);
  });

  it('patchPartitionLeaderEpoch rewrites bytes 12..15 only and keeps the CRC valid', () => {
    const batch = sampleBatch(2);
    const before = Buffer.from(batch);
    patchPartitionLeaderEpoch(batch, 17);
    expect(batch.subarray(0, 12).equals(before.subarray(0, 12))).toBe(true);
    expect(batch.subarray(16).equals(before.subarray(16))).toBe(true);
    expect(validateBatch(batch).partitionLeaderEpoch).toBe(17);
  });

  it('patches a batch that is a view into a larger buffer, in place', () => {
    const all = Buffer.concat([sampleBatch(1), sampleBatch(1)]);
    const [, second] = splitBatches(all);
    patchBaseOffset(second!.bytes, 99n);
    patchPartitionLeaderEpoch(second!.bytes, 4);
    const again = splitBatches(all);
    expect(again[0]!.header.baseOffset).toBe(0n);
    expect([again[1]!.header.baseOffset, again[1]!.header.partitionLeaderEpoch]).toEqual([99n, 4]);
  });

  it('refuse a buffer shorter than a batch header', () => {
    expectProtocolError(() => patchBaseOffset(Buffer.alloc(10), 1n), ErrorCode.CORRUPT_MESSAGE);
    expectProtocolError(() => patchPartitionLeaderEpoch(Buffer.alloc(10), 1), ErrorCode.CORRUPT_MESSAGE);
  });
});

describe('setLogAppendTime', () => {
  it('sets bit 3 and maxTimestamp, keeps baseTimestamp, and leaves a valid CRC', () => {
    const batch = encodeRecordBatch({
      records: [T0 + 5, T0, T0 + 9].map((timestamp) => ({ key: null, value: b('v'), timestamp })),
    });
    const appendTime = T0 + 60_000;
    setLogAppendTime(batch, appendTime);
    const h = validateBatch(batch);
    expect(h.timestampType).toBe(TimestampType.LogAppendTime);
    expect(h.attributes & 0x08).toBe(0x08);
    expect(h.maxTimestamp).toBe(appendTime);
    expect(h.baseTimestamp).toBe(T0 + 5);
    expect(h.compression).toBe(Compression.None);
  });

  it('makes decode give every record the append time', () => {
    const batch = sampleBatch(10);
    setLogAppendTime(batch, T0 + 123_456);
    expect(new Set(decodeRecordBatch(batch).records.map((r) => r.timestamp))).toEqual(
      new Set([T0 + 123_456]),
    );
  });

  it('can be applied again (e.g. a retried append) and keeps other attribute bits', () => {
    const batch = sampleBatch(1);
    batch.writeInt16BE(0x10, 21); // transactional
    recrc(batch);
    setLogAppendTime(batch, T0 + 1);
    setLogAppendTime(batch, T0 + 2);
    const h = validateBatch(batch);
    expect([h.isTransactional, h.timestampType, h.maxTimestamp]).toEqual([true, 1, T0 + 2]);
  });

  it('computes the CRC over this batch only when the buffer continues past it', () => {
    const first = sampleBatch(2);
    const all = Buffer.concat([first, sampleBatch(1)]);
    setLogAppendTime(all, T0 + 7); // `all` starts with `first`; its CRC must ignore the second batch
    const [one, two] = splitBatches(all);
    expect(one!.header.maxTimestamp).toBe(T0 + 7);
    expect(two!.header.timestampType).toBe(TimestampType.CreateTime);
  });

  it('refuses a non-integer time and a buffer shorter than the declared batch', () => {
    expectProtocolError(() => setLogAppendTime(sampleBatch(1), Number.NaN), ErrorCode.INVALID_TIMESTAMP);
    const batch = sampleBatch(3);
    expectProtocolError(
      () => setLogAppendTime(batch.subarray(0, batch.length - 1), T0),
      ErrorCode.CORRUPT_MESSAGE,
    );
  });
});

describe('decodeRecordBatch on malformed input', () => {
  const goodRecord = recordBytes([0x00, 0x00, 0x00, ...vi(1), 0x6b, ...vi(1), 0x76, ...vi(0)]);

  it('decodes a hand-built batch (control for the cases below)', () => {
    const { records } = decodeRecordBatch(handBuiltBatch(goodRecord, { count: 1 }));
    expect(records.map((r) => [r.key!.toString(), r.value!.toString(), r.timestamp])).toEqual([
      ['k', 'v', T0],
    ]);
  });

  it('rejects a key length far beyond the batch end (length bomb) with INVALID_RECORD', () => {
    // Declares a 2^31-1 byte key inside a record of a few bytes; must fail before allocating.
    const bomb = recordBytes([0x00, 0x00, 0x00, ...vi(0x7fffffff), 0x6b, ...vi(1), 0x76, ...vi(0)]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(bomb, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /key length 2147483647/,
    );
  });

  it('rejects a value length beyond the record end with INVALID_RECORD', () => {
    const rec = recordBytes([0x00, 0x00, 0x00, ...vi(-1), ...vi(50), 0x76, ...vi(0)]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(rec, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /value length 50/,
    );
  });

  it('rejects a key length below -1 with INVALID_RECORD', () => {
    const rec = recordBytes([0x00, 0x00, 0x00, ...vi(-2), ...vi(-1), ...vi(0), 0, 0, 0, 0, 0]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(rec, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /key length -2/,
    );
  });

  it('rejects a header-count bomb with INVALID_RECORD before allocating', () => {
    const rec = recordBytes([0x00, 0x00, 0x00, ...vi(-1), ...vi(-1), ...vi(0x7fffffff), 0, 0]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(rec, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /header count/,
    );
  });

  it('rejects a negative header count and a negative header key length with INVALID_RECORD', () => {
    const negCount = recordBytes([0x00, 0x00, 0x00, ...vi(-1), ...vi(-1), ...vi(-1), 0, 0, 0, 0]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(negCount, { count: 1 })),
      ErrorCode.INVALID_RECORD,
    );
    const negKey = recordBytes([
      0x00,
      0x00,
      0x00,
      ...vi(-1),
      ...vi(-1),
      ...vi(1),
      ...vi(-1),
      ...vi(-1),
      0,
      0,
    ]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(negKey, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /header 0 key/,
    );
  });

  it('rejects a record length beyond the batch end with INVALID_RECORD', () => {
    const rec = [...vi(200), 0x00, 0x00, 0x00, ...vi(-1), ...vi(-1), ...vi(0), 0, 0];
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(rec, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /declares length 200/,
    );
  });

  it('rejects a negative record length with INVALID_RECORD', () => {
    const rec = [...vi(-5), 0x00, 0x00, 0x00, ...vi(-1), ...vi(-1), ...vi(0), 0, 0];
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(rec, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /length -5/,
    );
  });

  it('rejects a record whose fields end before its declared length with INVALID_RECORD', () => {
    const rec = recordBytes([0x00, 0x00, 0x00, ...vi(-1), ...vi(-1), ...vi(0), 0xee, 0xee]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(rec, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /2 unread bytes/,
    );
  });

  it('rejects a record whose fields run past its declared length with INVALID_RECORD', () => {
    // Length says 4 but the fields need 6: the value length varint would be read past the record end.
    const rec = [...vi(4), 0x00, 0x00, 0x00, ...vi(-1), ...vi(-1), ...vi(0), 0, 0, 0, 0];
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(rec, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /truncated/,
    );
  });

  it('rejects fewer records than the header declares with CORRUPT_MESSAGE', () => {
    const big = recordBytes([0x00, 0x00, 0x00, ...vi(-1), ...vi(10), ...b('0123456789'), ...vi(0)]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(big, { count: 2 })),
      ErrorCode.CORRUPT_MESSAGE,
      /record count mismatch: header declares 2 records, batch holds 1/,
    );
  });

  it('rejects bytes left after the declared records with CORRUPT_MESSAGE', () => {
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch([...goodRecord, ...goodRecord], { count: 1 })),
      ErrorCode.CORRUPT_MESSAGE,
      /record count mismatch/,
    );
  });

  it('rejects a timestamp delta outside the safe range with INVALID_RECORD', () => {
    const huge = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]; // zig-zag int64 max
    const rec = recordBytes([0x00, ...huge, 0x00, ...vi(-1), ...vi(-1), ...vi(0)]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch(rec, { count: 1 })),
      ErrorCode.INVALID_RECORD,
      /safe integer/,
    );
  });

  it('names the record and its position in INVALID_RECORD messages', () => {
    const bad = recordBytes([0x00, 0x00, 0x02, ...vi(99), 0x6b, ...vi(1), 0x76, ...vi(0)]);
    expectProtocolError(
      () => decodeRecordBatch(handBuiltBatch([...goodRecord, ...bad], { count: 2 })),
      ErrorCode.INVALID_RECORD,
      new RegExp(`record 1 at byte ${61 + goodRecord.length}`),
    );
  });

  it('runs the validateBatch checks first (CRC)', () => {
    const batch = sampleBatch(2);
    batch[70]! ^= 0xff;
    expectProtocolError(() => decodeRecordBatch(batch), ErrorCode.CORRUPT_MESSAGE, /CRC mismatch/);
  });

  it.each([1, 2, 3, 4])(
    'refuses a batch flagged compression %i whose records are not valid codec data (CORRUPT_MESSAGE)',
    (c) => {
      const batch = sampleBatch(1);
      batch.writeInt16BE(c, 21);
      expectProtocolError(
        () => decodeRecordBatch(recrc(batch)),
        ErrorCode.CORRUPT_MESSAGE,
        /cannot be decompressed|decompressed bytes/,
      );
    },
  );

  it('uses maxTimestamp for LogAppendTime batches built by hand', () => {
    const rec = recordBytes([0x00, ...vi(-3), 0x00, ...vi(-1), ...vi(-1), ...vi(0)]);
    const batch = handBuiltBatch(rec, { count: 1, attributes: 0x08, maxTimestamp: T0 + 999 });
    expect(decodeRecordBatch(batch).records[0]!.timestamp).toBe(T0 + 999);
    const create = handBuiltBatch(rec, { count: 1, attributes: 0x00, maxTimestamp: T0 + 999 });
    expect(decodeRecordBatch(create).records[0]!.timestamp).toBe(T0 - 3);
  });
});

describe('setProducerState', () => {
  it('rewrites producer id, epoch and base sequence and leaves a valid CRC', () => {
    const batch = encodeRecordBatch({
      producerId: 7n,
      producerEpoch: 0,
      baseSequence: 12,
      records: [{ key: null, value: b('v'), timestamp: T0 }],
    });
    setProducerState(batch, 9n, 1, 0);
    const h = validateBatch(batch);
    expect([h.producerId, h.producerEpoch, h.baseSequence]).toEqual([9n, 1, 0]);
  });
});
