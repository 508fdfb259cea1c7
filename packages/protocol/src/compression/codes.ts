import { ErrorCode, ProtocolError } from '../errors.js';

/**
 * Compression codes stored in a record batch's attribute bits 0-2. They live with the codecs
 * rather than with the batch format so that the codecs need nothing from `record-batch.ts`.
 */
export const Compression = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;

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
