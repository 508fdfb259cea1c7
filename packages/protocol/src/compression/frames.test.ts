import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { lz4Compress, lz4OutputBound } from './lz4.js';
import { loadZstd, zstdCompress, zstdOutputBound } from './zstd.js';

/** A skippable frame (magic 0x184D2A5?, little-endian size, payload) as both formats define it. */
function skippable(payload: Buffer, nibble = 0): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x184d2a50 + nibble, 0);
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('skippable frames in the decompression bounds', () => {
  beforeAll(() => loadZstd());
  const data = Buffer.from('fjord '.repeat(5_000));

  it('are skipped by the lz4 and zstd bound walkers, whatever they hold', () => {
    const lz4 = lz4Compress(data);
    expect(lz4OutputBound(Buffer.concat([skippable(Buffer.from('meta')), lz4]))).toEqual(lz4OutputBound(lz4));
    const zstd = zstdCompress(data);
    expect(zstdOutputBound(Buffer.concat([skippable(Buffer.alloc(100), 0xf), zstd]), 1 << 20)).toEqual(
      zstdOutputBound(zstd, 1 << 20),
    );
  });

  it('refuse a truncated skippable frame as corrupt', () => {
    const truncated = skippable(Buffer.from('meta')).subarray(0, 6);
    expect(() => lz4OutputBound(truncated)).toThrow(
      expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }),
    );
    expect(() => zstdOutputBound(truncated, 1 << 20)).toThrow(
      expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE }),
    );
  });
});
