import { Compression } from './compression/index.js';
import { ErrorCode, ProtocolError } from './errors.js';
import { type Header, RECORD_BATCH_OVERHEAD, sealRecordBatch } from './record-batch.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

/** What {@link RecordBatchBuilder.build} writes into the header. */
export interface BuildBatchOptions {
  compression?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
}

/**
 * Writes records one by one into a RecordBatch v2 buffer of fixed capacity, as Kafka's
 * MemoryRecordsBuilder does: a producer appends each record as it is sent, so a waiting
 * batch costs its bytes and no per-record objects, and sealing it is a header write (plus
 * compression). Layout and limits as {@link encodeRecordBatch}.
 */
export class RecordBatchBuilder {
  readonly #buf: Buffer;
  #pos = RECORD_BATCH_OVERHEAD;
  #count = 0;
  #baseTimestamp = 0;
  #maxTimestamp = 0;

  /**
   * `capacity` (61-byte header included) allocates a buffer; a Buffer is written into as it
   * is (a producer reuses batch buffers from a pool).
   */
  constructor(capacity: number | Buffer) {
    this.#buf =
      typeof capacity === 'number'
        ? Buffer.allocUnsafe(Math.max(capacity, RECORD_BATCH_OVERHEAD + 16))
        : capacity;
    if (this.#buf.length < RECORD_BATCH_OVERHEAD + 16) throw new RangeError('batch buffer too small');
  }

  /** The buffer written into (the sealed batch may share it). */
  get buffer(): Buffer {
    return this.#buf;
  }

  /** The batch size (61-byte header included) that holds exactly this one record. */
  static sizeOfSingle(
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly Header[] | undefined,
  ): number {
    const body = recordBodySize(key, value, headers, 0, 0);
    return RECORD_BATCH_OVERHEAD + sizeOfVarint(body) + body;
  }

  get count(): number {
    return this.#count;
  }

  /** Bytes written so far, header included (uncompressed). */
  get sizeInBytes(): number {
    return this.#pos;
  }

  get capacity(): number {
    return this.#buf.length;
  }

  /**
   * Appends a record; false (and nothing written) when it does not fit in the capacity left.
   * `timestamp` must be a safe integer number of ms (the caller validates input).
   */
  tryAppend(
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly Header[] | undefined,
    timestamp: number,
  ): boolean {
    if (this.#count === 0) {
      this.#baseTimestamp = timestamp;
      this.#maxTimestamp = timestamp;
    }
    const delta = timestamp - this.#baseTimestamp;
    const offsetDelta = this.#count;
    const body = recordBodySize(key, value, headers, delta, offsetDelta);
    const total = sizeOfVarint(body) + body;
    const buf = this.#buf;
    if (this.#pos + total > buf.length) return false;
    let pos = writeVarint(buf, this.#pos, body);
    buf[pos++] = 0; // record attributes: unused in v2
    pos = writeVarlong(buf, pos, delta);
    pos = writeVarint(buf, pos, offsetDelta);
    pos = writeBytes(buf, pos, key);
    pos = writeBytes(buf, pos, value);
    if (headers === undefined || headers.length === 0) {
      buf[pos++] = 0;
    } else {
      pos = writeVarint(buf, pos, headers.length);
      for (const h of headers) {
        const keySize = Buffer.byteLength(h.key, 'utf8');
        pos = writeVarint(buf, pos, keySize);
        pos += buf.write(h.key, pos, keySize, 'utf8');
        pos = writeBytes(buf, pos, h.value);
      }
    }
    this.#pos = pos;
    this.#count++;
    if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp;
    return true;
  }

  /**
   * Seals the batch: the header, compression of the records and the CRC. The builder must
   * not be used afterwards (an uncompressed result shares its buffer).
   */
  build(options: BuildBatchOptions = {}): Buffer {
    if (this.#count === 0) {
      throw new ProtocolError(ErrorCode.INVALID_RECORD, 'a record batch needs at least one record');
    }
    return sealRecordBatch(this.#buf, this.#pos, {
      count: this.#count,
      baseTimestamp: this.#baseTimestamp,
      maxTimestamp: this.#maxTimestamp,
      compression: options.compression ?? Compression.None,
      producerId: options.producerId,
      producerEpoch: options.producerEpoch,
      baseSequence: options.baseSequence,
    });
  }
}

function sizeOfBytes(bytes: Buffer | null): number {
  return bytes === null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

function writeBytes(buf: Buffer, pos: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buf, pos, -1);
  const at = writeVarint(buf, pos, bytes.length);
  bytes.copy(buf, at);
  return at + bytes.length;
}

function recordBodySize(
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly Header[] | undefined,
  timestampDelta: number,
  offsetDelta: number,
): number {
  let body =
    1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfBytes(key) + sizeOfBytes(value);
  if (headers === undefined || headers.length === 0) return body + 1;
  body += sizeOfVarint(headers.length);
  for (const h of headers) {
    const keySize = Buffer.byteLength(h.key, 'utf8');
    body += sizeOfVarint(keySize) + keySize + sizeOfBytes(h.value);
  }
  return body;
}
