/**
 * Kafka RecordBatch v2 (magic 2), byte for byte: https://kafka.apache.org/documentation/#recordbatch
 * and apache/kafka `clients/src/main/java/org/apache/kafka/common/record/DefaultRecordBatch.java`.
 *
 * The broker never re-encodes records: it reads the 61-byte header, checks the CRC, patches
 * baseOffset / partitionLeaderEpoch (both outside the CRC) and stores the bytes as they came.
 * Only producers encode and only consumers (and tests) decode the records themselves.
 *
 * Layout, big-endian:
 *   baseOffset int64 @0, batchLength int32 @8 (bytes after this field), partitionLeaderEpoch
 *   int32 @12, magic int8 @16, crc uint32 @17 (CRC-32C of bytes 21..end), attributes int16 @21,
 *   lastOffsetDelta int32 @23, baseTimestamp int64 @27, maxTimestamp int64 @35, producerId int64
 *   @43, producerEpoch int16 @51, baseSequence int32 @53, record count int32 @57, records @61.
 * Record: length varint, attributes int8, timestampDelta varlong, offsetDelta varint, key
 *   (varint length, -1 = null), value (likewise), header count varint, headers (key: varint
 *   length + UTF-8, value: varint length, -1 = null, + bytes).
 *
 * Timestamps are millisecond numbers; int64 timestamps are converted as hi * 2^32 + lo, which
 * is exact for every safe integer (and lossy only for absurd, corrupt values).
 */
import { Compression, compressRecords, decompressRecords } from './compression/index.js';
import { crc32c } from './crc32c.js';
import { ErrorCode, ProtocolError } from './errors.js';
import { ByteCursor, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

/** Size of the batch header: every batch is at least this long (plus one record). */
export const RECORD_BATCH_OVERHEAD = 61;
/** ListOffsets sentinel: the offset after the last record (Kafka's -1). */
export const LATEST_TIMESTAMP = -1;
/** ListOffsets sentinel: the first offset still kept (Kafka's -2). */
export const EARLIEST_TIMESTAMP = -2;

/** Timestamp type stored in attribute bit 3. */
export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
/**
 * Default cap on the decompressed records of one batch: Kafka's default max.message.bytes.
 * Readers that know the topic pass its max.message.bytes instead.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 1048588;

const BATCH_LENGTH_OFFSET = 8;
const PARTITION_LEADER_EPOCH_OFFSET = 12;
const MAGIC_OFFSET = 16;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;
const LAST_OFFSET_DELTA_OFFSET = 23;
const BASE_TIMESTAMP_OFFSET = 27;
const MAX_TIMESTAMP_OFFSET = 35;
const PRODUCER_ID_OFFSET = 43;
const PRODUCER_EPOCH_OFFSET = 51;
const BASE_SEQUENCE_OFFSET = 53;
const RECORDS_COUNT_OFFSET = 57;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
const LOG_OVERHEAD = 12;
const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;
const MAGIC = 2;

const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_FLAG = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

/** Smallest record: length, attributes, timestampDelta, offsetDelta, key/value lengths, header count. */
const MIN_RECORD_BYTES = 7;
const TWO_32 = 4294967296;

/** A record header. Keys are UTF-8 strings; values are bytes or null. */
export interface Header {
  key: string;
  value: Buffer | null;
}

/** One record to encode. `timestamp` is in milliseconds since the epoch. */
export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Header[];
  timestamp: number;
}

/** A decoded record with its absolute offset and effective timestamp. */
export interface Record {
  offset: bigint;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Header[];
}

/** Input of {@link encodeRecordBatch}; everything but `records` has Kafka's "none" default. */
export interface EncodeBatchInput {
  /** At least one record. */
  records: RecordInput[];
  /** Default 0n; the broker overwrites it on append. */
  baseOffset?: bigint;
  /** Default -1; the broker overwrites it on append. */
  partitionLeaderEpoch?: number;
  /** A {@link Compression} code (default none); zstd needs `loadCompressionCodecs()` first. */
  compression?: number;
  /** Default -1n (no idempotent producer). */
  producerId?: bigint;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1. */
  baseSequence?: number;
}

/** The 61-byte batch header, decoded. */
export interface BatchHeader {
  baseOffset: bigint;
  /** Bytes after the batchLength field. */
  batchLength: number;
  /** Whole batch in bytes: batchLength + 12. */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** Stored CRC-32C (unsigned). */
  crc: number;
  attributes: number;
  compression: number;
  timestampType: 0 | 1;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** A decoded batch: header plus records. */
export interface DecodedBatch {
  header: BatchHeader;
  records: Record[];
}

function corrupt(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.CORRUPT_MESSAGE, message);
}

function invalidRecord(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.INVALID_RECORD, message);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Views any Uint8Array as a Buffer without copying, so subarrays are Buffers too. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function readInt64AsNumber(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

function writeInt64FromNumber(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * TWO_32, pos + 4);
}

function sizeOfBytes(bytes: Uint8Array | null | undefined): number {
  return bytes == null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

function writeBytes(buf: Buffer, pos: number, bytes: Uint8Array | null | undefined): number {
  if (bytes == null) return writeVarint(buf, pos, -1);
  const at = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, at);
  return at + bytes.length;
}

function assertTimestamp(ts: number, what: string): void {
  if (!Number.isSafeInteger(ts)) {
    throw new ProtocolError(
      ErrorCode.INVALID_TIMESTAMP,
      `${what} must be an integer number of ms, got ${ts}`,
    );
  }
}

/**
 * Encodes records into one uncompressed RecordBatch v2. baseTimestamp is the first record's
 * timestamp (as Kafka does), maxTimestamp the largest; offsetDelta is the record's index.
 * The size is computed first and the batch written into a single buffer.
 */
export function encodeRecordBatch(input: EncodeBatchInput): Buffer {
  const { records } = input;
  const compression = input.compression ?? Compression.None;
  if (!Number.isInteger(compression) || compression < Compression.None || compression > Compression.Zstd) {
    throw new ProtocolError(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `unknown compression type ${compression}`,
    );
  }
  const count = records.length;
  if (count === 0) throw invalidRecord('a record batch needs at least one record');

  const baseTimestamp = records[0]!.timestamp;
  assertTimestamp(baseTimestamp, 'record 0 timestamp');
  let maxTimestamp = baseTimestamp;
  const bodySizes = new Array<number>(count);
  // UTF-8 lengths of header keys in write order, so the write pass need not measure again.
  const headerKeySizes: number[] = [];
  let size = RECORD_BATCH_OVERHEAD;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    assertTimestamp(r.timestamp, `record ${i} timestamp`);
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    const delta = r.timestamp - baseTimestamp;
    assertTimestamp(delta, `record ${i} timestamp delta`);
    const headers = r.headers ?? [];
    let body =
      1 +
      sizeOfVarlong(delta) +
      sizeOfVarint(i) +
      sizeOfBytes(r.key) +
      sizeOfBytes(r.value) +
      sizeOfVarint(headers.length);
    for (const h of headers) {
      const keySize = Buffer.byteLength(h.key, 'utf8');
      headerKeySizes.push(keySize);
      body += sizeOfVarint(keySize) + keySize + sizeOfBytes(h.value);
    }
    bodySizes[i] = body;
    size += sizeOfVarint(body) + body;
  }
  if (size - LOG_OVERHEAD > 0x7fffffff) {
    throw new ProtocolError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `record batch of ${size} bytes exceeds the int32 batchLength`,
    );
  }

  const buf = Buffer.allocUnsafe(size);
  let pos = RECORD_BATCH_OVERHEAD;
  let headerIndex = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    pos = writeVarint(buf, pos, bodySizes[i]!);
    buf[pos++] = 0; // record attributes: unused in v2
    pos = writeVarlong(buf, pos, r.timestamp - baseTimestamp);
    pos = writeVarint(buf, pos, i);
    pos = writeBytes(buf, pos, r.key);
    pos = writeBytes(buf, pos, r.value);
    const headers = r.headers ?? [];
    pos = writeVarint(buf, pos, headers.length);
    for (const h of headers) {
      const keySize = headerKeySizes[headerIndex++]!;
      pos = writeVarint(buf, pos, keySize);
      pos += buf.write(h.key, pos, keySize, 'utf8');
      pos = writeBytes(buf, pos, h.value);
    }
  }
  // Every byte is written above; a mismatch here is a bug in the size pass, not bad input.
  if (pos !== size) throw new Error(`encodeRecordBatch wrote ${pos} bytes, computed ${size}`);
  return sealRecordBatch(buf, size, {
    count,
    baseTimestamp,
    maxTimestamp,
    compression,
    baseOffset: input.baseOffset,
    partitionLeaderEpoch: input.partitionLeaderEpoch,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: input.baseSequence,
  });
}

/** Header fields of {@link sealRecordBatch}. */
export interface SealInput {
  count: number;
  baseTimestamp: number;
  maxTimestamp: number;
  compression: number;
  baseOffset?: bigint | undefined;
  partitionLeaderEpoch?: number | undefined;
  producerId?: bigint | undefined;
  producerEpoch?: number | undefined;
  baseSequence?: number | undefined;
}

/**
 * Completes a batch whose records are already written, uncompressed, at buf[61..end): writes
 * the header and the CRC. Uncompressed, the result is `buf.subarray(0, end)` (no copy);
 * compressed, a new buffer holding the header and the compressed records. Internal to the
 * codec and the batch builder.
 */
export function sealRecordBatch(buf: Buffer, end: number, h: SealInput): Buffer {
  let out = buf.subarray(0, end);
  if (h.compression !== Compression.None) {
    const compressed = compressRecords(h.compression, buf.subarray(RECORD_BATCH_OVERHEAD, end));
    out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
    compressed.copy(out, RECORD_BATCH_OVERHEAD);
  }
  const size = out.length;
  if (size - LOG_OVERHEAD > 0x7fffffff) {
    throw new ProtocolError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `record batch of ${size} bytes exceeds the int32 batchLength`,
    );
  }
  out.writeBigInt64BE(h.baseOffset ?? 0n, 0);
  out.writeInt32BE(size - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  out.writeInt32BE(h.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH_OFFSET);
  out.writeInt8(MAGIC, MAGIC_OFFSET);
  out.writeInt16BE(h.compression, ATTRIBUTES_OFFSET);
  out.writeInt32BE(h.count - 1, LAST_OFFSET_DELTA_OFFSET);
  writeInt64FromNumber(out, BASE_TIMESTAMP_OFFSET, h.baseTimestamp);
  writeInt64FromNumber(out, MAX_TIMESTAMP_OFFSET, h.maxTimestamp);
  out.writeBigInt64BE(h.producerId ?? -1n, PRODUCER_ID_OFFSET);
  out.writeInt16BE(h.producerEpoch ?? -1, PRODUCER_EPOCH_OFFSET);
  out.writeInt32BE(h.baseSequence ?? -1, BASE_SEQUENCE_OFFSET);
  out.writeInt32BE(h.count, RECORDS_COUNT_OFFSET);
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return out;
}

/**
 * Reads the 61-byte header of the batch starting at `offset`, without checking the CRC or
 * that the whole batch is present. Throws CORRUPT_MESSAGE if fewer than 61 bytes remain, the
 * magic is not 2, or batchLength is below the 49-byte minimum.
 */
export function readBatchHeader(buf: Buffer, offset = 0): BatchHeader {
  const b = asBuffer(buf);
  const available = b.length - offset;
  if (offset < 0 || available < RECORD_BATCH_OVERHEAD) {
    throw corrupt(
      `record batch header truncated: need ${RECORD_BATCH_OVERHEAD} bytes at offset ${offset}, ` +
        `have ${Math.max(available, 0)}`,
    );
  }
  const magic = b.readInt8(offset + MAGIC_OFFSET);
  if (magic !== MAGIC) throw corrupt(`unsupported record batch magic ${magic} (only ${MAGIC} is supported)`);
  const batchLength = b.readInt32BE(offset + BATCH_LENGTH_OFFSET);
  if (batchLength < MIN_BATCH_LENGTH) {
    throw corrupt(`record batch length ${batchLength} is below the minimum of ${MIN_BATCH_LENGTH}`);
  }
  const attributes = b.readInt16BE(offset + ATTRIBUTES_OFFSET);
  return {
    baseOffset: b.readBigInt64BE(offset),
    batchLength,
    sizeInBytes: batchLength + LOG_OVERHEAD,
    partitionLeaderEpoch: b.readInt32BE(offset + PARTITION_LEADER_EPOCH_OFFSET),
    magic,
    crc: b.readUInt32BE(offset + CRC_OFFSET),
    attributes,
    compression: attributes & COMPRESSION_MASK,
    timestampType: attributes & TIMESTAMP_TYPE_FLAG ? 1 : 0,
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    lastOffsetDelta: b.readInt32BE(offset + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: readInt64AsNumber(b, offset + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64AsNumber(b, offset + MAX_TIMESTAMP_OFFSET),
    producerId: b.readBigInt64BE(offset + PRODUCER_ID_OFFSET),
    producerEpoch: b.readInt16BE(offset + PRODUCER_EPOCH_OFFSET),
    baseSequence: b.readInt32BE(offset + BASE_SEQUENCE_OFFSET),
    recordCount: b.readInt32BE(offset + RECORDS_COUNT_OFFSET),
  };
}

/**
 * Checks that `batch` is exactly one well-formed batch and returns its header: the header
 * reads (see {@link readBatchHeader}), the buffer is exactly sizeInBytes long, the CRC-32C
 * matches, recordCount >= 1, lastOffsetDelta === recordCount - 1 (Fjord has no compaction,
 * so every batch is a producer batch with dense offset deltas), and for uncompressed batches
 * the count can fit in the bytes. Compression codes 5-7 throw UNSUPPORTED_COMPRESSION_TYPE;
 * everything else throws CORRUPT_MESSAGE. Records themselves are not decoded.
 */
export function validateBatch(batch: Buffer): BatchHeader {
  const header = readBatchHeader(batch, 0);
  if (batch.length !== header.sizeInBytes) {
    throw corrupt(
      `record batch size mismatch: header says ${header.sizeInBytes} bytes ` +
        `(batchLength ${header.batchLength} + ${LOG_OVERHEAD}), buffer has ${batch.length}`,
    );
  }
  const computed = crc32c(batch.subarray(ATTRIBUTES_OFFSET));
  if (computed !== header.crc) {
    throw corrupt(`record batch CRC mismatch: stored ${hex(header.crc)}, computed ${hex(computed)}`);
  }
  if (header.compression > Compression.Zstd) {
    throw new ProtocolError(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `record batch has unknown compression type ${header.compression}`,
    );
  }
  if (header.recordCount < 1)
    throw corrupt(`record batch has record count ${header.recordCount}; at least 1 required`);
  if (header.lastOffsetDelta !== header.recordCount - 1) {
    throw corrupt(
      `record batch lastOffsetDelta ${header.lastOffsetDelta} does not match record count ${header.recordCount} ` +
        `(expected ${header.recordCount - 1})`,
    );
  }
  const recordBytes = header.sizeInBytes - RECORD_BATCH_OVERHEAD;
  if (header.compression === Compression.None && header.recordCount > recordBytes / MIN_RECORD_BYTES) {
    throw corrupt(
      `record batch declares ${header.recordCount} records, which cannot fit in ${recordBytes} bytes ` +
        `(at least ${MIN_RECORD_BYTES} bytes per record)`,
    );
  }
  return header;
}

/**
 * Splits concatenated batches (as in a produce request or a fetched segment) using each
 * batchLength, validating every batch with {@link validateBatch}. Returned `bytes` are
 * subarrays of `buf` (no copy). Throws CORRUPT_MESSAGE on empty input or a truncated tail.
 */
export function splitBatches(buf: Buffer): Array<{ header: BatchHeader; bytes: Buffer }> {
  const b = asBuffer(buf);
  if (b.length === 0) throw corrupt('no record batches: input is empty');
  const out: Array<{ header: BatchHeader; bytes: Buffer }> = [];
  let pos = 0;
  while (pos < b.length) {
    const remaining = b.length - pos;
    if (remaining < RECORD_BATCH_OVERHEAD) {
      throw corrupt(
        `truncated record batch at byte ${pos}: ${remaining} bytes left, a batch header needs ${RECORD_BATCH_OVERHEAD}`,
      );
    }
    const { sizeInBytes } = readBatchHeader(b, pos);
    if (sizeInBytes > remaining) {
      throw corrupt(
        `truncated record batch at byte ${pos}: it declares ${sizeInBytes} bytes, ${remaining} remain`,
      );
    }
    const bytes = b.subarray(pos, pos + sizeInBytes);
    out.push({ header: validateBatch(bytes), bytes });
    pos += sizeInBytes;
  }
  return out;
}

/** Options of {@link decodeRecordBatch}. */
export interface DecodeOptions {
  /**
   * Cap on the decompressed records of a compressed batch (the topic's max.message.bytes);
   * default {@link DEFAULT_MAX_DECOMPRESSED_BYTES}. Beyond it: MESSAGE_TOO_LARGE.
   */
  maxDecompressedBytes?: number;
}

/**
 * Builds one decoded record of a batch (see {@link decodeRecordsOfBatch}): what a reader keeps
 * per record. `headers` is {@link EMPTY_HEADERS} when the record has none, so a reader that
 * keeps it allocates nothing for the common case.
 */
export type RecordBuilder<T> = (
  header: BatchHeader,
  offsetDelta: number,
  timestamp: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly Header[],
) => T;

/** The headers of every record that has none: one shared, frozen, empty array. */
export const EMPTY_HEADERS: readonly Header[] = Object.freeze([]);

/**
 * Decodes one batch after {@link validateBatch}; compressed records are decompressed first,
 * never beyond `options.maxDecompressedBytes`. Every declared length and count
 * is checked against the bytes left in the record and in the batch before anything is sliced
 * or allocated. Keys, values and header values are subarrays of `batch` (no copy).
 * In LogAppendTime batches every record gets the header's maxTimestamp.
 * Throws MESSAGE_TOO_LARGE for a batch that decompresses beyond the cap, CORRUPT_MESSAGE when
 * the records do not match the declared count, and INVALID_RECORD for a malformed record.
 */
export function decodeRecordBatch(batch: Buffer, options: DecodeOptions = {}): DecodedBatch {
  const { header, records } = decodeRecordsOfBatch(batch, options, 0, toRecord);
  return { header, records };
}

function toRecord(
  header: BatchHeader,
  offsetDelta: number,
  timestamp: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly Header[],
): Record {
  return {
    offset: header.baseOffset + BigInt(offsetDelta),
    timestamp,
    key,
    value,
    headers: headers === EMPTY_HEADERS ? [] : (headers as Header[]),
  };
}

/**
 * {@link decodeRecordBatch} with the reader's own record objects, made by `build` for the
 * records from index `from` on (the ones before it are checked but not built: a consumer
 * skips the records of a batch that lie before its position). Checks and errors are
 * those of decodeRecordBatch.
 */
export function decodeRecordsOfBatch<T>(
  batch: Buffer,
  options: DecodeOptions,
  from: number,
  build: RecordBuilder<T>,
): { header: BatchHeader; records: T[] } {
  const header = validateBatch(asBuffer(batch));
  let b = asBuffer(batch);
  let start = RECORD_BATCH_OVERHEAD;
  let end = header.sizeInBytes;
  if (header.compression !== Compression.None) {
    const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    b = decompressRecords(header.compression, b.subarray(RECORD_BATCH_OVERHEAD, end), maxBytes);
    start = 0;
    end = b.length;
    if (header.recordCount > end / MIN_RECORD_BYTES) {
      throw corrupt(
        `record batch declares ${header.recordCount} records, which cannot fit in ${end} decompressed bytes`,
      );
    }
  }
  const logAppendTime = header.timestampType === TimestampType.LogAppendTime;
  const cur = new ByteCursor(b, start, end);
  const first = Math.min(Math.max(from, 0), header.recordCount);
  const records: T[] = new Array(header.recordCount - first);
  for (let i = 0; i < header.recordCount; i++) {
    if (cur.pos >= end) {
      throw corrupt(`record count mismatch: header declares ${header.recordCount} records, batch holds ${i}`);
    }
    cur.end = end;
    const recordStart = cur.pos;
    const length = readVarint(cur, i);
    if (length < 0 || length > cur.remaining) {
      throw invalidRecord(
        `record ${i} at byte ${recordStart} declares length ${length}, but ${cur.remaining} bytes remain in the batch`,
      );
    }
    const recordEnd = cur.pos + length;
    cur.end = recordEnd;
    try {
      cur.readInt8(); // record attributes: unused in v2
      const timestampDelta = cur.readVarlong();
      const offsetDelta = cur.readVarint();
      const key = readBytes(b, cur, 'key');
      const value = readBytes(b, cur, 'value');
      const headerCount = cur.readVarint();
      // Each header takes at least two bytes (two varint lengths); check before allocating.
      if (headerCount < 0 || headerCount * 2 > cur.remaining) {
        throw invalidRecord(`header count ${headerCount} cannot fit in the ${cur.remaining} bytes left`);
      }
      const headers: Header[] | readonly Header[] =
        headerCount === 0 ? EMPTY_HEADERS : new Array(headerCount);
      for (let h = 0; h < headerCount; h++) {
        const keyLength = cur.readVarint();
        if (keyLength < 0 || keyLength > cur.remaining) {
          throw invalidRecord(`header ${h} key length ${keyLength} is invalid (${cur.remaining} bytes left)`);
        }
        const headerKey = b.toString('utf8', cur.pos, cur.pos + keyLength);
        cur.pos += keyLength;
        (headers as Header[])[h] = { key: headerKey, value: readBytes(b, cur, `header ${h} value`) };
      }
      if (cur.pos !== recordEnd) {
        throw invalidRecord(`${recordEnd - cur.pos} unread bytes at the end of the record`);
      }
      if (i >= first) {
        records[i - first] = build(
          header,
          offsetDelta,
          logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
          key,
          value,
          headers,
        );
      }
    } catch (err) {
      if (err instanceof ProtocolError && err.code === ErrorCode.INVALID_RECORD) {
        throw invalidRecord(`record ${i} at byte ${recordStart} is malformed: ${err.message}`);
      }
      throw err;
    }
  }
  if (cur.pos !== end) {
    throw corrupt(
      `record count mismatch: header declares ${header.recordCount} records, ` +
        `but ${end - cur.pos} bytes follow the last one`,
    );
  }
  return { header, records };
}

function readVarint(cur: ByteCursor, index: number): number {
  try {
    return cur.readVarint();
  } catch (err) {
    if (err instanceof ProtocolError) throw invalidRecord(`record ${index} length: ${err.message}`);
    throw err;
  }
}

/** Reads a varint-length-prefixed byte field; -1 means null. */
function readBytes(b: Buffer, cur: ByteCursor, what: string): Buffer | null {
  const length = cur.readVarint();
  if (length === -1) return null;
  if (length < -1 || length > cur.remaining) {
    throw invalidRecord(`${what} length ${length} is invalid (${cur.remaining} bytes left in the record)`);
  }
  const start = cur.pos;
  cur.pos += length;
  return b.subarray(start, start + length);
}

function assertHasHeader(batch: Buffer, what: string): void {
  if (batch.length < RECORD_BATCH_OVERHEAD) {
    throw corrupt(`cannot ${what}: buffer of ${batch.length} bytes is shorter than a batch header`);
  }
}

/** Overwrites baseOffset (bytes 0..7) in place; it lies outside the CRC, which stays valid. */
export function patchBaseOffset(batch: Buffer, baseOffset: bigint): void {
  assertHasHeader(batch, 'patch baseOffset');
  batch.writeBigInt64BE(baseOffset, 0);
}

/** Overwrites partitionLeaderEpoch (bytes 12..15) in place; it lies outside the CRC. */
export function patchPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  assertHasHeader(batch, 'patch partitionLeaderEpoch');
  batch.writeInt32BE(epoch, PARTITION_LEADER_EPOCH_OFFSET);
}

/**
 * Rewrites producerId, producerEpoch and baseSequence and then the CRC, in place, as Kafka's
 * `ProducerBatch.resetProducerState`: an idempotent producer that started a new epoch
 * re-sequences the batches it had already sealed. Only for a batch this process built.
 */
export function setProducerState(
  batch: Buffer,
  producerId: bigint,
  producerEpoch: number,
  baseSequence: number,
): void {
  assertHasHeader(batch, 'set the producer state');
  const end = batch.readInt32BE(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  if (end < RECORD_BATCH_OVERHEAD || end > batch.length) {
    throw corrupt(`cannot set the producer state: batch declares ${end} bytes, buffer has ${batch.length}`);
  }
  batch.writeBigInt64BE(producerId, PRODUCER_ID_OFFSET);
  batch.writeInt16BE(producerEpoch, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(baseSequence, BASE_SEQUENCE_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET, end)), CRC_OFFSET);
}

/**
 * Stamps the batch with the broker's clock, as Kafka's `setMaxTimestamp(LOG_APPEND_TIME, t)`:
 * sets attribute bit 3, writes maxTimestamp (baseTimestamp is kept), and rewrites the CRC,
 * in place. Call it only on a batch that passed {@link validateBatch}: recomputing the CRC
 * would otherwise make corrupt bytes look valid.
 */
export function setLogAppendTime(batch: Buffer, timestampMs: number): void {
  stampMaxTimestamp(batch, TimestampType.LogAppendTime, timestampMs, 'LogAppendTime');
}

/**
 * Makes the batch a CreateTime batch whose maxTimestamp is `timestampMs`, the largest
 * timestamp of its records, as Kafka's LogValidator does with
 * `setMaxTimestamp(CREATE_TIME, max)` when a producer's header says otherwise; rewrites the
 * CRC, in place. Call it only on a batch that passed {@link validateBatch}.
 */
export function setCreateTimeMaxTimestamp(batch: Buffer, timestampMs: number): void {
  stampMaxTimestamp(batch, TimestampType.CreateTime, timestampMs, 'maxTimestamp');
}

function stampMaxTimestamp(batch: Buffer, type: 0 | 1, timestampMs: number, what: string): void {
  assertHasHeader(batch, `set ${what}`);
  assertTimestamp(timestampMs, what);
  // The CRC covers this batch only, even if the caller's buffer runs on past its end.
  const end = batch.readInt32BE(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  if (end < RECORD_BATCH_OVERHEAD || end > batch.length) {
    throw corrupt(`cannot set ${what}: batch declares ${end} bytes, buffer has ${batch.length}`);
  }
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET) & ~TIMESTAMP_TYPE_FLAG;
  const flag = type === TimestampType.LogAppendTime ? TIMESTAMP_TYPE_FLAG : 0;
  batch.writeInt16BE(attributes | flag, ATTRIBUTES_OFFSET);
  writeInt64FromNumber(batch, MAX_TIMESTAMP_OFFSET, timestampMs);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET, end)), CRC_OFFSET);
}
