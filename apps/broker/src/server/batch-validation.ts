import { Compression, ErrorCode, ProtocolError, splitBatches, type TopicConfig } from '@fjord/protocol';
import type { ValidBatch } from '../log/partition-log.js';

/** The batches of one produce partition, or why the partition is refused. */
export type ValidationResult =
  | { ok: true; batches: ValidBatch[] }
  | { ok: false; errorCode: number; errorMessage: string };

/**
 * Per-batch checks of the produce hot path, no per-record work: header and CRC-32C (in
 * splitBatches), compression (codecs are not implemented yet) and max.message.bytes.
 * One bad batch refuses the whole partition, so nothing of it is stored.
 */
export function validateProducedBatches(records: Buffer, config: TopicConfig): ValidationResult {
  let batches: ValidBatch[];
  try {
    batches = splitBatches(records);
  } catch (error) {
    if (error instanceof ProtocolError)
      return { ok: false, errorCode: error.code, errorMessage: error.message };
    return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: String(error) };
  }
  const maxBytes = config['max.message.bytes'];
  for (const [i, { header }] of batches.entries()) {
    if (header.compression !== Compression.None) {
      return {
        ok: false,
        errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
        errorMessage: `batch ${i} uses compression type ${header.compression}; only uncompressed batches are supported so far`,
      };
    }
    if (header.sizeInBytes > maxBytes) {
      return {
        ok: false,
        errorCode: ErrorCode.MESSAGE_TOO_LARGE,
        errorMessage: `batch ${i} is ${header.sizeInBytes} bytes; max.message.bytes is ${maxBytes}`,
      };
    }
  }
  return { ok: true, batches };
}
