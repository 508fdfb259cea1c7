import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, ProtocolError } from '../errors.js';
import {
  COMPRESSION_NAMES,
  Compression,
  compressionCode,
  compressRecords,
  decompressRecords,
  loadCompressionCodecs,
} from './index.js';

const CODECS = [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

beforeAll(() => loadCompressionCodecs());

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

describe('compression codecs', () => {
  it('maps Kafka codec names to attribute codes', () => {
    expect(COMPRESSION_NAMES.map(compressionCode)).toEqual([0, 1, 2, 3, 4]);
  });

  it.each(CODECS)('accepts data right at the cap with codec %i', (codec) => {
    const data = Buffer.alloc(1_000_000, 3);
    const compressed = compressRecords(codec, data);
    expect(decompressRecords(codec, compressed, 1_000_000).equals(data)).toBe(true);
  });

  it('refuses a zstd frame that declares a huge content size', () => {
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expectCode(
      () => decompressRecords(Compression.Zstd, frame, 1_000_000),
      ErrorCode.MESSAGE_TOO_LARGE,
      /declares/,
    );
  });

  it('reads raw (unframed) snappy as librdkafka writes it', async () => {
    const { createRequire } = await import('node:module');
    const snappy = createRequire(import.meta.url)('snappy') as { compressSync(b: Buffer): Buffer };
    const raw = snappy.compressSync(Buffer.from('hello hello hello'));
    expect(decompressRecords(Compression.Snappy, raw, 100).toString()).toBe('hello hello hello');
    expectCode(() => decompressRecords(Compression.Snappy, raw, 5), ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('reports garbage as CORRUPT_MESSAGE for every codec', () => {
    for (const codec of CODECS) {
      expectCode(
        () => decompressRecords(codec, Buffer.from('definitely not compressed'), 1000),
        ErrorCode.CORRUPT_MESSAGE,
      );
    }
    expect(decompressRecords(Compression.Gzip, gzipSync('ok'), 10).toString()).toBe('ok');
  });
});
