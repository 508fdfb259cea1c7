import { describe, expect, it } from 'vitest';
import { Compression, compressRecords } from './compression/index.js';
import { crc32c } from './crc32c.js';
import { ErrorCode, ProtocolError } from './errors.js';
import { encodeRecordBatch, RECORD_BATCH_OVERHEAD, validateBatch } from './record-batch.js';
import {
  DecompressionBudget,
  type RecordValidationOptions,
  type TimestampWindow,
  validateBatchRecords,
} from './record-validation.js';
import { writeVarint } from './varint.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const WINDOW: TimestampWindow = { nowMs: NOW, beforeMaxMs: Number.MAX_SAFE_INTEGER, afterMaxMs: HOUR };

function options(extra: Partial<RecordValidationOptions> = {}): RecordValidationOptions {
  return { maxDecompressedBytes: 1 << 20, budget: new DecompressionBudget(), timestamps: WINDOW, ...extra };
}

function vi(value: number): number[] {
  const buf = new Uint8Array(5);
  return [...buf.subarray(0, writeVarint(buf, 0, value))];
}

/** One record's bytes: length varint, then attributes, timestamp delta, offset delta, key, value, headers. */
function record(body: number[]): number[] {
  return [...vi(body.length), ...body];
}

/** A well-formed record body: attributes 0, timestamp delta 0, the offset delta, key "k", value "v". */
function body(offsetDelta: number): number[] {
  return [0, ...vi(0), ...vi(offsetDelta), ...vi(1), 0x6b, ...vi(1), 0x76, ...vi(0)];
}

/** A CRC-valid batch around raw record bytes, whose header passes validateBatch. */
function batchOf(records: number[], count: number, compression: number = Compression.None): Buffer {
  let section: Buffer = Buffer.from(records);
  if (compression !== Compression.None) section = compressRecords(compression, section);
  const buf = Buffer.alloc(RECORD_BATCH_OVERHEAD + section.length);
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt32BE(-1, 12);
  buf.writeInt8(2, 16);
  buf.writeInt16BE(compression, 21);
  buf.writeInt32BE(count - 1, 23);
  buf.writeBigInt64BE(BigInt(NOW), 27);
  buf.writeBigInt64BE(BigInt(NOW), 35);
  buf.writeBigInt64BE(-1n, 43);
  buf.writeInt16BE(-1, 51);
  buf.writeInt32BE(-1, 53);
  buf.writeInt32BE(count, 57);
  section.copy(buf, RECORD_BATCH_OVERHEAD);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

function check(batch: Buffer, opts = options()): number {
  return validateBatchRecords(batch, validateBatch(batch), opts).decompressedBytes;
}

function refusal(batch: Buffer, opts = options()): ProtocolError {
  try {
    check(batch, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  return expect.fail('expected the batch to be refused');
}

describe('validateBatchRecords', () => {
  it('accepts what the encoder writes, compressed or not, and counts the decompressed bytes', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
      value: Buffer.from(`value-${i}`.repeat(i % 5)),
      headers: i % 2 ? [{ key: 'h', value: i % 4 === 1 ? null : Buffer.from('v') }] : [],
      timestamp: NOW - i * 1000,
    }));
    const plain = encodeRecordBatch({ records });
    expect(check(plain)).toBe(plain.length - RECORD_BATCH_OVERHEAD);
    for (const compression of [Compression.Gzip, Compression.Snappy, Compression.Lz4]) {
      const budget = new DecompressionBudget(1 << 20);
      expect(check(encodeRecordBatch({ records, compression }), options({ budget }))).toBe(
        plain.length - RECORD_BATCH_OVERHEAD,
      );
      expect(budget.remaining).toBe((1 << 20) - (plain.length - RECORD_BATCH_OVERHEAD));
    }
  });

  it('refuses the poison pill: a CRC-valid batch whose first record claims ~1 MiB', () => {
    const good = record(body(0)).slice(1);
    const error = refusal(batchOf([...vi(1 << 20), ...good], 1));
    expect(error.code).toBe(ErrorCode.INVALID_RECORD);
    expect(error.message).toMatch(/^record 0 \(byte 0\) declares a length of 1048576 bytes/);
  });

  it('names the index of the bad record', () => {
    const bad = [0, ...vi(0), ...vi(2), ...vi(50), 0x6b, ...vi(-1), ...vi(0)]; // key longer than the record
    const error = refusal(batchOf([...record(body(0)), ...record(body(1)), ...record(bad)], 3));
    expect(error.code).toBe(ErrorCode.INVALID_RECORD);
    expect(error.message).toMatch(/^record 2 \(byte \d+\) has a key length of 50/);
  });

  it.each([
    [
      'a value longer than the record',
      [0, ...vi(0), ...vi(0), ...vi(-1), ...vi(9), 1, ...vi(0)],
      /value length of 9/,
    ],
    [
      'a negative key length below -1',
      [0, ...vi(0), ...vi(0), ...vi(-2), ...vi(-1), ...vi(0)],
      /key length of -2/,
    ],
    [
      'a null header key',
      [0, ...vi(0), ...vi(0), ...vi(-1), ...vi(-1), ...vi(1), ...vi(-1), ...vi(-1)],
      /header key length of -1/,
    ],
    [
      'a header value past the record',
      [0, ...vi(0), ...vi(0), ...vi(-1), ...vi(-1), ...vi(1), ...vi(0), ...vi(4), 1],
      /header value length of 4/,
    ],
    [
      'a header count that cannot fit',
      [0, ...vi(0), ...vi(0), ...vi(-1), ...vi(-1), ...vi(1000)],
      /declares 1000 headers/,
    ],
    [
      'bytes after the last header',
      [0, ...vi(0), ...vi(0), ...vi(-1), ...vi(-1), ...vi(0), 7],
      /1 bytes after its last header/,
    ],
    ['a truncated varint', [0, ...vi(0), ...vi(0), ...vi(-1), ...vi(-1), 0x80], /truncated varint/],
    [
      'an offset delta that is not the index',
      [0, ...vi(0), ...vi(5), ...vi(-1), ...vi(-1), ...vi(0)],
      /offset delta 5/,
    ],
  ])('refuses %s with INVALID_RECORD', (_what, bad, message) => {
    const error = refusal(batchOf(record(bad), 1));
    expect(error.code).toBe(ErrorCode.INVALID_RECORD);
    expect(error.message).toMatch(/^record 0 /);
    expect(error.message).toMatch(message);
  });

  it('refuses a record count that does not match the records (CORRUPT_MESSAGE)', () => {
    // Compressed, so validateBatch's size bound on the count cannot catch it first.
    const fewer = refusal(batchOf([...record(body(0)), ...record(body(1))], 3, Compression.Gzip));
    expect(fewer.code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(fewer.message).toMatch(/declares 3 records, the batch holds 2/);
    const more = refusal(batchOf([...record(body(0)), ...record(body(1))], 1));
    expect(more.code).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(more.message).toMatch(/bytes follow record 0/);
  });

  it('refuses control batches from clients', () => {
    const batch = batchOf(record(body(0)), 1);
    batch.writeInt16BE(0x20, 21);
    batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
    expect(refusal(batch).code).toBe(ErrorCode.INVALID_RECORD);
  });

  it('refuses timestamps outside the window (KIP-937)', () => {
    const future = encodeRecordBatch({
      records: [
        { key: null, value: Buffer.from('a'), timestamp: NOW },
        { key: null, value: Buffer.from('b'), timestamp: NOW + HOUR + 1 },
      ],
    });
    const late = refusal(future);
    expect(late.code).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(late.message).toMatch(/^record 1 .*message\.timestamp\.after\.max\.ms is 3600000/);
    const old = encodeRecordBatch({ records: [{ key: null, value: null, timestamp: NOW - 10_000 }] });
    expect(() => check(old)).not.toThrow();
    const early = refusal(old, options({ timestamps: { ...WINDOW, beforeMaxMs: 5_000 } }));
    expect(early.code).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(early.message).toMatch(/before\.max\.ms is 5000/);
    // LogAppendTime topics: the broker stamps the batch, so timestamps are not checked.
    expect(() => check(future, options({ timestamps: undefined }))).not.toThrow();
  });

  it('reports the largest record timestamp, whatever the header says (the broker corrects the header)', () => {
    const lying = encodeRecordBatch({
      records: [
        { key: null, value: null, timestamp: NOW - 5 },
        { key: null, value: null, timestamp: NOW },
        { key: null, value: null, timestamp: NOW - 9 },
      ],
    });
    lying.writeBigInt64BE(BigInt(NOW + 10 * HOUR), 35);
    lying.writeUInt32BE(crc32c(lying.subarray(21)), 17);
    expect(validateBatchRecords(lying, validateBatch(lying), options()).maxTimestamp).toBe(NOW);
  });

  it('caps decompression by max.message.bytes per batch and by the budget per request', () => {
    const records = Array.from({ length: 200 }, (_, i) => ({
      key: null,
      value: Buffer.alloc(1000, 'x'),
      timestamp: NOW + i,
    }));
    const batch = encodeRecordBatch({ records, compression: Compression.Gzip });
    const decompressed = encodeRecordBatch({ records }).length - RECORD_BATCH_OVERHEAD;
    expect(refusal(batch, options({ maxDecompressedBytes: 10_000 })).code).toBe(ErrorCode.MESSAGE_TOO_LARGE);

    // Two batches pass one by one; a budget for one and a half refuses the second.
    const budget = new DecompressionBudget(Math.floor(decompressed * 1.5));
    expect(check(batch, options({ budget }))).toBe(decompressed);
    const second = refusal(batch, options({ budget }));
    expect(second.code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(second.message).toMatch(/request's compressed batches decompress to more than \d+ bytes in total/);
  });
});
