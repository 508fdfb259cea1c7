import { beforeAll, describe, expect, it } from 'vitest';
import { COMPRESSION_NAMES, compressionCode, loadCompressionCodecs } from './compression/index.js';
import { decodeRecordBatch, encodeRecordBatch, type Record, type RecordInput } from './record-batch.js';
import { RecordBatchBuilder } from './record-batch-builder.js';

// The producer writes batches with RecordBatchBuilder, tests and tools with encodeRecordBatch;
// the golden tests pin encodeRecordBatch to Kafka's layout, and this pins the builder to it
// byte for byte, so neither can drift from RecordBatch v2 alone.

const T0 = 1_700_000_000_000;
const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The same records through the builder, which must have room for all of them. */
function build(records: RecordInput[], options: Parameters<RecordBatchBuilder['build']>[0] = {}): Buffer {
  const builder = new RecordBatchBuilder(4 * 1024 * 1024);
  for (const [i, r] of records.entries()) {
    if (!builder.tryAppend(r.key, r.value, r.headers, r.timestamp))
      throw new Error(`record ${i} did not fit`);
  }
  return builder.build(options);
}

/** Deterministic pseudo-random bytes, so a failure reproduces. */
function bytes(seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/** Whether a decoded record holds what was encoded (a plain loop: 10 000 expects are slow). */
function sameRecord(input: RecordInput, output: Record): boolean {
  const headers = input.headers ?? [];
  return (
    input.timestamp === output.timestamp &&
    sameBytes(input.key, output.key) &&
    sameBytes(input.value, output.value) &&
    headers.length === output.headers.length &&
    headers.every((h, i) => h.key === output.headers[i]!.key && sameBytes(h.value, output.headers[i]!.value))
  );
}

const CASES: { [name: string]: RecordInput[] } = {
  'one keyed record': [{ key: b('user-1'), value: b('hello'), timestamp: T0 }],
  'null key and null value': [{ key: null, value: null, timestamp: T0 }],
  'empty key and value (not null)': [{ key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: T0 }],
  headers: [
    {
      key: b('k'),
      value: b('v'),
      headers: [
        { key: 'source', value: b('web') },
        { key: 'trace', value: null },
        { key: 'ünïcødé ✓', value: Buffer.alloc(0) },
      ],
      timestamp: T0,
    },
    { key: b('k'), value: b('v'), headers: [], timestamp: T0 },
  ],
  // Deltas below zero, a maximum that is not the last record, and timestamp 0.
  'timestamps out of order': [
    { key: null, value: b('a'), timestamp: T0 },
    { key: null, value: b('b'), timestamp: T0 - 5_000 },
    { key: null, value: b('c'), timestamp: T0 + 86_400_000 },
    { key: null, value: b('d'), timestamp: T0 + 1 },
  ],
  'timestamp 0': [{ key: null, value: b('epoch'), timestamp: 0 }],
  // 10 000 records: offset deltas cross the 1-, 2- and 3-byte varint sizes; values up to 300
  // bytes cross them for lengths; every 7th key is null, every 5th record has a header.
  'many records': Array.from({ length: 10_000 }, (_, i) => ({
    key: i % 7 === 0 ? null : b(`key-${i % 97}`),
    value: i % 11 === 0 ? null : bytes(i + 1, i % 300),
    ...(i % 5 === 0 ? { headers: [{ key: `h${i % 3}`, value: bytes(i + 7, i % 70) }] } : {}),
    timestamp: T0 + i * 3 - (i % 13) * 17,
  })),
};

describe('RecordBatchBuilder and encodeRecordBatch write the same bytes', () => {
  beforeAll(() => loadCompressionCodecs());

  for (const codec of COMPRESSION_NAMES) {
    for (const [name, records] of Object.entries(CASES)) {
      it(`${name}, ${codec}`, () => {
        const compression = compressionCode(codec);
        const expected = encodeRecordBatch({ records, compression });
        const actual = build(records, { compression });
        expect(actual.length).toBe(expected.length);
        expect(actual.equals(expected)).toBe(true);
        // The bytes are a batch that decodes to what went in.
        const decoded = decodeRecordBatch(actual, { maxDecompressedBytes: 16 * 1024 * 1024 });
        expect(decoded.records).toHaveLength(records.length);
        const differing = records.findIndex((r, i) => !sameRecord(r, decoded.records[i]!));
        expect(differing).toBe(-1);
      });
    }
  }

  it('with producer id, epoch and base sequence (the idempotent producer)', () => {
    const records = CASES['timestamps out of order']!;
    const ids = { producerId: 4242n, producerEpoch: 3, baseSequence: 1_000 };
    expect(build(records, ids).equals(encodeRecordBatch({ records, ...ids }))).toBe(true);
  });

  it('in a reused pool buffer larger than the batch, with stale bytes after it', () => {
    const records = CASES.headers!;
    const pooled = Buffer.alloc(64 * 1024, 0xab);
    const builder = new RecordBatchBuilder(pooled);
    for (const r of records) builder.tryAppend(r.key, r.value, r.headers, r.timestamp);
    expect(builder.build().equals(encodeRecordBatch({ records }))).toBe(true);
  });
});
