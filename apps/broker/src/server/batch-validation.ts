import {
  Compression,
  decompressRecords,
  ErrorCode,
  ProtocolError,
  RECORD_BATCH_OVERHEAD,
  splitBatches,
  type TopicConfig,
} from '@fjord/protocol';
import type { ValidBatch } from '../log/partition-log.js';

/** The batches of one produce partition, or why the partition is refused. */
export type ValidationResult =
  | { ok: true; batches: ValidBatch[] }
  | { ok: false; errorCode: number; errorMessage: string };

/**
 * Per-batch checks of the produce hot path, no per-record work: header and CRC-32C (in
 * splitBatches) and max.message.bytes. A compressed batch is stored as it came, but first
 * decompressed once with its output capped at max.message.bytes, as Kafka's broker does:
 * a decompression bomb or undecodable data is refused here, not served to consumers.
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
    if (header.sizeInBytes > maxBytes) {
      return {
        ok: false,
        errorCode: ErrorCode.MESSAGE_TOO_LARGE,
        errorMessage: `batch ${i} is ${header.sizeInBytes} bytes; max.message.bytes is ${maxBytes}`,
      };
    }
  }
  for (const [i, { header, bytes }] of batches.entries()) {
    if (header.compression === Compression.None) continue;
    try {
      decompressRecords(header.compression, bytes.subarray(RECORD_BATCH_OVERHEAD), maxBytes);
    } catch (error) {
      const code = error instanceof ProtocolError ? error.code : ErrorCode.CORRUPT_MESSAGE;
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, errorCode: code, errorMessage: `batch ${i}: ${message}` };
    }
  }
  return { ok: true, batches };
}
