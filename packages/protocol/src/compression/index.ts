import { ErrorCode, ProtocolError } from '../errors.js';
import { Compression } from './codes.js';
import { gzipCompress, gzipDecompress } from './gzip.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { loadZstd, zstdCompress, zstdDecompress } from './zstd.js';

export { COMPRESSION_NAMES, Compression, type CompressionName, compressionCode } from './codes.js';

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
