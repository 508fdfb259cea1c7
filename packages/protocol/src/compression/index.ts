import { ErrorCode, ProtocolError } from '../errors.js';
// A cycle with record-batch.ts, safe because Compression is only read inside functions.
import { Compression } from '../record-batch.js';
import { gzipCompress, gzipDecompress } from './gzip.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { loadZstd, zstdCompress, zstdDecompress } from './zstd.js';

/** Codec names as clients and the CLI spell them (Kafka's `compression.type` values). */
export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

/** The attribute code (bits 0-2) of a codec name. */
export function compressionCode(name: CompressionName): number {
  const code = COMPRESSION_NAMES.indexOf(name);
  if (code < 0)
    throw new ProtocolError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression "${name}"`);
  return code;
}

/**
 * Loads what compression needs asynchronously (the zstd WebAssembly encoder). Call once
 * before {@link compressRecords} with zstd; other codecs and all decompression are ready at once.
 */
export function loadCompressionCodecs(): Promise<void> {
  return loadZstd();
}

/** Compresses a batch's records section with the codec of attribute code `code`. */
export function compressRecords(code: number, data: Buffer): Buffer {
  switch (code) {
    case Compression.Gzip:
      return gzipCompress(data);
    case Compression.Snappy:
      return snappyCompress(data);
    case Compression.Lz4:
      return lz4Compress(data);
    case Compression.Zstd:
      return zstdCompress(data);
    default:
      throw new ProtocolError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `cannot compress with code ${code}`);
  }
}

/**
 * Decompresses a batch's records section, never producing more than `maxBytes`: a batch that
 * would expand beyond it throws MESSAGE_TOO_LARGE (a decompression bomb), unreadable bytes
 * throw CORRUPT_MESSAGE.
 */
export function decompressRecords(code: number, data: Buffer, maxBytes: number): Buffer {
  switch (code) {
    case Compression.Gzip:
      return gzipDecompress(data, maxBytes);
    case Compression.Snappy:
      return snappyDecompress(data, maxBytes);
    case Compression.Lz4:
      return lz4Decompress(data, maxBytes);
    case Compression.Zstd:
      return zstdDecompress(data, maxBytes);
    default:
      throw new ProtocolError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `cannot decompress code ${code}`);
  }
}
