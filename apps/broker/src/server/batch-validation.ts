import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  type CheckedRecords,
  Compression,
  DecompressionBudget,
  ErrorCode,
  ProtocolError,
  setCreateTimeMaxTimestamp,
  splitBatches,
  TimestampType,
  type TimestampWindow,
  type TopicConfig,
  validateBatchRecords,
} from '@fjord/protocol';
import type { ValidBatch } from '../log/partition-log.js';

/** The batches of one produce partition, or why the partition is refused. */
export type ValidationResult =
  | { ok: true; batches: ValidBatch[] }
  | { ok: false; errorCode: number; errorMessage: string };

/** One partition of a produce request, with the config of its topic. */
export interface PartitionToValidate {
  topic: string;
  partition: number;
  records: Buffer;
  config: TopicConfig;
}

/**
 * How long validating compressed batches may hold the event loop before it yields to other
 * requests: one 1 MiB batch of zstd takes about this long on a loaded core (see
 * packages/protocol/bench/validate.bench.mjs).
 */
const SLICE_MS = 10;

/**
 * Checks every partition of one produce request as Kafka's LogValidator does, before
 * anything is stored: header and CRC-32C (splitBatches), max.message.bytes, then every record
 * walked byte by byte (validateBatchRecords: lengths, varints, offset deltas, record count,
 * key/value/header lengths, the topic's timestamp window; a header's maxTimestamp that is not
 * the largest record timestamp is corrected, as in Kafka). Compressed batches are
 * decompressed for that, capped by max.message.bytes each and by one budget for the whole
 * request, and stored as they came; between them the event loop gets a turn whenever
 * decompressing has held it for SLICE_MS. One bad batch refuses its whole partition, so
 * nothing of it is stored; the message names the partition, the batch and the record.
 * `undefined` partitions (not led here) are skipped.
 */
export async function validateProduceRequest(
  partitions: ReadonlyArray<PartitionToValidate | undefined>,
  nowMs: number,
): Promise<Array<ValidationResult | undefined>> {
  const budget = new DecompressionBudget();
  let sliceStart = performance.now();
  const results: Array<ValidationResult | undefined> = [];
  for (const part of partitions) {
    if (!part) {
      results.push(undefined);
      continue;
    }
    const name = `${part.topic}/${part.partition}`;
    const split = splitChecked(name, part);
    if (!split.ok) {
      results.push(split);
      continue;
    }
    const options = {
      maxDecompressedBytes: part.config['max.message.bytes'],
      budget,
      timestamps: window(part.config, nowMs),
    };
    let result: ValidationResult = split;
    for (const [i, { header, bytes }] of split.batches.entries()) {
      let checked: CheckedRecords;
      try {
        checked = validateBatchRecords(bytes, header, options);
      } catch (error) {
        result = refusal(`${name} batch ${i}`, error);
        break;
      }
      if (options.timestamps) correctMaxTimestamp(header, bytes, checked.maxTimestamp);
      if (header.compression !== Compression.None && performance.now() - sliceStart >= SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    results.push(result);
  }
  return results;
}

/** Splits a partition's records into CRC-checked batches within max.message.bytes. */
function splitChecked(name: string, part: PartitionToValidate): ValidationResult {
  let batches: ValidBatch[];
  try {
    batches = splitBatches(part.records);
  } catch (error) {
    return refusal(`${name}:`, error);
  }
  const maxBytes = part.config['max.message.bytes'];
  for (const [i, { header }] of batches.entries()) {
    if (header.sizeInBytes > maxBytes) {
      return {
        ok: false,
        errorCode: ErrorCode.MESSAGE_TOO_LARGE,
        errorMessage: `${name} batch ${i} is ${header.sizeInBytes} bytes; max.message.bytes is ${maxBytes}`,
      };
    }
  }
  return { ok: true, batches };
}

/**
 * In a CreateTime topic, a batch's header must say CreateTime and name its largest record
 * timestamp, since retention and time lookups go by it. A producer's header that says
 * otherwise is corrected in place (CRC rewritten), as Kafka's LogValidator does with
 * `setMaxTimestamp(CREATE_TIME, max)`, rather than refused.
 */
function correctMaxTimestamp(header: ValidBatch['header'], bytes: Buffer, maxTimestamp: number): void {
  if (header.timestampType === TimestampType.CreateTime && header.maxTimestamp === maxTimestamp) return;
  setCreateTimeMaxTimestamp(bytes, maxTimestamp);
  header.timestampType = TimestampType.CreateTime;
  header.maxTimestamp = maxTimestamp;
}

/** The accepted CreateTime range; LogAppendTime topics stamp records themselves (not checked). */
function window(config: TopicConfig, nowMs: number): TimestampWindow | undefined {
  if (config['message.timestamp.type'] === 'LogAppendTime') return undefined;
  return {
    nowMs,
    beforeMaxMs: config['message.timestamp.before.max.ms'],
    afterMaxMs: config['message.timestamp.after.max.ms'],
  };
}

function refusal(prefix: string, error: unknown): ValidationResult {
  if (error instanceof ProtocolError)
    return { ok: false, errorCode: error.code, errorMessage: `${prefix} ${error.message}` };
  return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, errorMessage: `${prefix} ${String(error)}` };
}
