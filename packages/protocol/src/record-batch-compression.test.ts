import { beforeAll, describe, expect, it } from 'vitest';
import { Compression, loadCompressionCodecs } from './compression/index.js';
import { ErrorCode, ProtocolError } from './errors.js';
import { decodeRecordBatch, encodeRecordBatch, readBatchHeader } from './record-batch.js';
import { RecordBatchBuilder } from './record-batch-builder.js';

// Record batches with compressed records sections; the codecs alone are tested in compression/.
const CODECS = [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

beforeAll(() => loadCompressionCodecs());

function records(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    key: Buffer.from(`key-${i}`),
    value: Buffer.from(`value ${i} `.repeat(8)),
    headers: [{ key: 'h', value: Buffer.from(String(i)) }],
    timestamp: 1_700_000_000_000 + i,
  }));
}

function expectCode(fn: () => unknown, code: number, pattern?: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(code);
    if (pattern) expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a ProtocolError');
}

describe('compressed record batches', () => {
  it.each(CODECS)(
    'round-trips a batch with codec %i, stores the code in the attributes and shrinks it',
    (codec) => {
      const input = records(500);
      const plain = encodeRecordBatch({ records: input });
      const batch = encodeRecordBatch({ records: input, compression: codec });
      expect(readBatchHeader(batch).compression).toBe(codec);
      expect(batch.length).toBeLessThan(plain.length / 3);
      const decoded = decodeRecordBatch(batch);
      expect(decoded.records.map((r) => r.value?.toString())).toEqual(input.map((r) => r.value.toString()));
      expect(decoded.records[7]?.headers).toEqual([{ key: 'h', value: Buffer.from('7') }]);
      expect(decoded.records[499]?.timestamp).toBe(input[499]?.timestamp);
    },
  );

  it.each(CODECS)('builds the same records incrementally with codec %i', (codec) => {
    const builder = new RecordBatchBuilder(64 * 1024);
    for (const r of records(100))
      expect(builder.tryAppend(r.key, r.value, r.headers, r.timestamp)).toBe(true);
    const decoded = decodeRecordBatch(
      builder.build({ compression: codec, producerId: 7n, producerEpoch: 1, baseSequence: 5 }),
    );
    expect(decoded.records).toHaveLength(100);
    expect(decoded.header.producerId).toBe(7n);
    expect(decoded.header.baseSequence).toBe(5);
  });

  it.each(CODECS)(
    'refuses a decompression bomb with codec %i (MESSAGE_TOO_LARGE) before expanding it',
    (codec) => {
      const bomb = encodeRecordBatch({
        records: [{ key: null, value: Buffer.alloc(20_000_000), timestamp: 1 }],
        compression: codec,
      });
      expect(bomb.length).toBeLessThan(2_000_000);
      expectCode(
        () => decodeRecordBatch(bomb, { maxDecompressedBytes: 1_000_000 }),
        ErrorCode.MESSAGE_TOO_LARGE,
        /max.message.bytes/,
      );
    },
  );
});
