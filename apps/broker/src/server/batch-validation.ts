import {
  DecompressionBudget,
  ErrorCode,
  ProtocolError,
  splitBatches,
  type TimestampWindow,
  type TopicConfig,
  validateBatchRecords,
} from '@fjord/protocol';
import type { ValidBatch } from '../log/partition-log.js';

/** The batches of one produce partition, or why the partition is refused. */
export type ValidationResult =
  | { ok: true; batches: ValidBatch[] }
  | { ok: false; errorCode: number; errorMessage: string };

/** What the checks of one produce request share: the broker's clock and the decompression budget. */
export interface RequestValidation {
  nowMs: number;
  budget: DecompressionBudget;
}

/** A fresh context for one produce request. */
export function requestValidation(nowMs: number): RequestValidation {
  return { nowMs, budget: new DecompressionBudget() };
}

/**
 * Checks the batches of one produce partition as Kafka's LogValidator does, before anything
 * is stored: header and CRC-32C (splitBatches), max.message.bytes, then every record walked
 * byte by byte (validateBatchRecords: lengths, varints, offset deltas, record count,
 * key/value/header lengths, the topic's timestamp window). A compressed batch is decompressed
 * once for that, capped by max.message.bytes and by the request's budget, and stored as it
 * came. One bad batch refuses the whole partition, so nothing of it is stored; the message
 * names the partition, the batch and the record.
 */
export function validateProducedBatches(
  where: { topic: string; partition: number },
  records: Buffer,
  config: TopicConfig,
  request: RequestValidation,
): ValidationResult {
  const name = `${where.topic}/${where.partition}`;
  let batches: ValidBatch[];
  try {
    batches = splitBatches(records);
  } catch (error) {
    return refusal(`${name}:`, error);
  }
  const maxBytes = config['max.message.bytes'];
  for (const [i, { header }] of batches.entries()) {
    if (header.sizeInBytes > maxBytes) {
      return {
        ok: false,
        errorCode: ErrorCode.MESSAGE_TOO_LARGE,
        errorMessage: `${name} batch ${i} is ${header.sizeInBytes} bytes; max.message.bytes is ${maxBytes}`,
      };
    }
  }
  const timestamps: TimestampWindow | undefined =
    config['message.timestamp.type'] === 'LogAppendTime'
      ? undefined
      : {
          nowMs: request.nowMs,
          beforeMaxMs: config['message.timestamp.before.max.ms'],
          afterMaxMs: config['message.timestamp.after.max.ms'],
        };
  const options = { maxDecompressedBytes: maxBytes, budget: request.budget, timestamps };
  for (const [i, { header, bytes }] of batches.entries()) {
    try {
      validateBatchRecords(bytes, header, options);
    } catch (error) {
      return refusal(`${name} batch ${i}`, error);
    }
  }
  return { ok: true, batches };
}

function refusal(prefix: string, error: unknown): ValidationResult {
  if (error instanceof ProtocolError)
    return { ok: false, errorCode: error.code, errorMessage: `${prefix} ${error.message}` };
  return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: `${prefix} ${String(error)}` };
}
