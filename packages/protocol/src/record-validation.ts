/**
 * The broker's record-level checks of a produced batch, as Kafka's LogValidator makes them:
 * every record is walked byte by byte (no object per record, no copy) and its length,
 * varints, offset delta, key, value and headers are checked against the bytes of the batch;
 * the record count must match the records; timestamps must lie in the topic's window
 * (KIP-937). Compressed records are decompressed first, within a {@link DecompressionBudget}
 * shared by all batches of one request.
 *
 * Every failure is a ProtocolError naming the record index and its byte position inside the
 * (decompressed) records: INVALID_RECORD for a malformed record, CORRUPT_MESSAGE when the
 * records do not match the declared count, INVALID_TIMESTAMP for a timestamp outside the
 * window, MESSAGE_TOO_LARGE when decompression would pass a limit.
 */
import { Compression, decompressRecords } from './compression/index.js';
import { ErrorCode, ProtocolError } from './errors.js';
import { type BatchHeader, RECORD_BATCH_OVERHEAD } from './record-batch.js';
import { ByteCursor } from './varint.js';

/**
 * Default cap on the bytes that decompressing the batches of ONE produce request may
 * produce, summed over its batches: 64 MiB, the largest gRPC message. A single batch is
 * capped by its topic's max.message.bytes as well.
 */
export const DEFAULT_DECOMPRESSION_BUDGET_BYTES = 64 * 1024 * 1024;

/** Bytes that decompression may still produce in one request; shared by its batches. */
export class DecompressionBudget {
  #remaining: number;

  constructor(readonly limitBytes: number = DEFAULT_DECOMPRESSION_BUDGET_BYTES) {
    this.#remaining = limitBytes;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.#remaining;
  }

  /** Counts `bytes` decompressed bytes against the budget. */
  spend(bytes: number): void {
    this.#remaining -= bytes;
  }
}

/** The accepted range of CreateTime timestamps, relative to the broker's clock (KIP-937). */
export interface TimestampWindow {
  /** The broker's clock, ms since the epoch. */
  nowMs: number;
  /** message.timestamp.before.max.ms: how far in the past a timestamp may be. */
  beforeMaxMs: number;
  /** message.timestamp.after.max.ms: how far in the future a timestamp may be. */
  afterMaxMs: number;
}

/** What {@link validateBatchRecords} checks a batch against. */
export interface RecordValidationOptions {
  /** Cap on one batch's decompressed records: the topic's max.message.bytes. */
  maxDecompressedBytes: number;
  /** The request's shared budget for decompressed bytes. */
  budget: DecompressionBudget;
  /**
   * Checked for CreateTime topics; undefined for LogAppendTime topics, whose records get the
   * broker's clock on append anyway (as in Kafka, their timestamps are not checked).
   */
  timestamps: TimestampWindow | undefined;
}

/** What {@link validateBatchRecords} found in a batch whose records are all well-formed. */
export interface CheckedRecords {
  /** Size of the records, decompressed. */
  decompressedBytes: number;
  /**
   * The largest record timestamp. The header's maxTimestamp may say otherwise; retention and
   * time lookups trust the header, so the broker writes this one there before storing
   * (CreateTime topics), as Kafka's LogValidator does.
   */
  maxTimestamp: number;
}

/**
 * Checks every record of one batch that already passed `validateBatch` (header, CRC, count
 * vs lastOffsetDelta). `batch` is the whole batch, `header` its decoded header. Throws a
 * ProtocolError (see the module comment).
 */
export function validateBatchRecords(
  batch: Buffer,
  header: BatchHeader,
  options: RecordValidationOptions,
): CheckedRecords {
  if (header.isControl) {
    throw new ProtocolError(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
  }
  if (header.compression === Compression.None) {
    const maxTimestamp = walkRecords(batch, RECORD_BATCH_OVERHEAD, batch.length, header, options.timestamps);
    return { decompressedBytes: batch.length - RECORD_BATCH_OVERHEAD, maxTimestamp };
  }
  const { budget } = options;
  const byBudget = budget.remaining < options.maxDecompressedBytes;
  const cap = Math.max(0, byBudget ? budget.remaining : options.maxDecompressedBytes);
  let records: Buffer;
  try {
    records = decompressRecords(header.compression, batch.subarray(RECORD_BATCH_OVERHEAD), cap);
  } catch (error) {
    if (byBudget && error instanceof ProtocolError && error.code === ErrorCode.MESSAGE_TOO_LARGE) {
      throw new ProtocolError(
        ErrorCode.MESSAGE_TOO_LARGE,
        `the request's compressed batches decompress to more than ${budget.limitBytes} bytes in total`,
      );
    }
    throw error;
  }
  budget.spend(records.length);
  const maxTimestamp = walkRecords(records, 0, records.length, header, options.timestamps);
  return { decompressedBytes: records.length, maxTimestamp };
}

/**
 * Walks the records in buf[start, end) and returns their largest timestamp. Allocation-free
 * on success: one cursor per batch, numbers only per record.
 */
function walkRecords(
  buf: Buffer,
  start: number,
  end: number,
  header: BatchHeader,
  window: TimestampWindow | undefined,
): number {
  const count = header.recordCount;
  const cur = new ByteCursor(buf, start, end);
  const checkTimestamps = window !== undefined;
  const earliest = checkTimestamps ? window.nowMs - window.beforeMaxMs : 0;
  const latest = checkTimestamps ? window.nowMs + window.afterMaxMs : 0;
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  let index = 0;
  let recordStart = start;
  try {
    for (; index < count; index++) {
      recordStart = cur.pos;
      cur.end = end;
      if (recordStart >= end) {
        throw new ProtocolError(
          ErrorCode.CORRUPT_MESSAGE,
          `the header declares ${count} records, the batch holds ${index}`,
        );
      }
      const length = cur.readVarint();
      if (length < 1 || length > cur.remaining) {
        throw invalid(`declares a length of ${length} bytes, ${cur.remaining} remain in the batch`);
      }
      const recordEnd = cur.pos + length;
      cur.end = recordEnd;
      cur.readInt8(); // attributes: unused in v2
      const timestamp = header.baseTimestamp + cur.readVarlong();
      const offsetDelta = cur.readVarint();
      if (offsetDelta !== index) {
        throw invalid(`has offset delta ${offsetDelta}; offset deltas must be contiguous from 0`);
      }
      skipBytes(cur, 'key', -1);
      skipBytes(cur, 'value', -1);
      const headerCount = cur.readVarint();
      // Each header takes at least two bytes (two varint lengths).
      if (headerCount < 0 || headerCount * 2 > cur.remaining) {
        throw invalid(`declares ${headerCount} headers, which cannot fit in ${cur.remaining} bytes`);
      }
      for (let h = 0; h < headerCount; h++) {
        skipBytes(cur, 'header key', 0);
        skipBytes(cur, 'header value', -1);
      }
      if (cur.pos !== recordEnd) throw invalid(`has ${recordEnd - cur.pos} bytes after its last header`);
      if (checkTimestamps && (timestamp < earliest || timestamp > latest)) {
        throw timestampOutOfWindow(timestamp, window);
      }
      if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    }
  } catch (error) {
    if (error instanceof ProtocolError) {
      throw new ProtocolError(error.code, `record ${index} (byte ${recordStart - start}) ${error.message}`);
    }
    throw error;
  }
  if (cur.pos !== end) {
    throw new ProtocolError(
      ErrorCode.CORRUPT_MESSAGE,
      `the header declares ${count} records, but ${end - cur.pos} bytes follow record ${count - 1}`,
    );
  }
  return maxTimestamp;
}

/** Skips a varint-length-prefixed field; lengths below `minLength` (-1 = null allowed) are invalid. */
function skipBytes(cur: ByteCursor, what: string, minLength: number): void {
  const length = cur.readVarint();
  if (length < minLength || length > cur.remaining) {
    throw invalid(`has a ${what} length of ${length}, ${cur.remaining} bytes remain in the record`);
  }
  if (length > 0) cur.pos += length;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.INVALID_RECORD, message);
}

function timestampOutOfWindow(timestamp: number, window: TimestampWindow): ProtocolError {
  const late = timestamp > window.nowMs;
  const distance = late ? timestamp - window.nowMs : window.nowMs - timestamp;
  return new ProtocolError(
    ErrorCode.INVALID_TIMESTAMP,
    `has timestamp ${timestamp}, ${distance} ms ${late ? 'after' : 'before'} the broker's clock; ` +
      (late
        ? `message.timestamp.after.max.ms is ${window.afterMaxMs}`
        : `message.timestamp.before.max.ms is ${window.beforeMaxMs}`),
  );
}
