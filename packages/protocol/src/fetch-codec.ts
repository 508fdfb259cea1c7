/**
 * The broker's encoder for fetch answers (fjord.v1.FetchResponse, on Fetch and FetchStream),
 * written by hand instead of by protobufjs: each partition's `records` is the list of stored
 * batch buffers, written one after the other into the one output buffer, so the bytes are
 * copied once on their way out (protobufjs needs them concatenated first, a second copy, and
 * walks them a third time). The output is ordinary protobuf: any decoder of the .proto reads it.
 *
 * Field numbers are those of proto/fjord/v1/broker.proto; a unit test holds this encoder to
 * the generated codec (same bytes decoded, both ways) so that a change there is caught here.
 * Like protobufjs, fields holding their default value (0, '', empty) are left out.
 */

/** One partition of a fetch answer, its records as the stored batches. */
export interface FetchPartitionAnswer {
  partition: number;
  errorCode: number;
  errorMessage: string;
  highWatermark: bigint;
  logStartOffset: bigint;
  /** Record batches as stored, in offset order; written back to back. */
  records: readonly Buffer[];
}

/** One topic of a fetch answer. */
export interface FetchTopicAnswer {
  topic: string;
  topicId: string;
  partitions: FetchPartitionAnswer[];
}

/** A fetch answer as the broker's fetch core makes it. */
export interface FetchAnswer {
  topics: FetchTopicAnswer[];
  throttleTimeMs: number;
}

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Field numbers (proto/fjord/v1/broker.proto).
const RESPONSE_TOPICS = 1;
const RESPONSE_THROTTLE_TIME_MS = 2;
const TOPIC_TOPIC = 1;
const TOPIC_TOPIC_ID = 2;
const TOPIC_PARTITIONS = 3;
const PARTITION_PARTITION = 1;
const PARTITION_ERROR_CODE = 2;
const PARTITION_ERROR_MESSAGE = 3;
const PARTITION_HIGH_WATERMARK = 4;
const PARTITION_LOG_START_OFFSET = 5;
const PARTITION_RECORDS = 6;

/** Encodes a FetchResponse whose partitions hold lists of batches. */
export function encodeFetchResponse(answer: FetchAnswer): Buffer {
  const topicSizes: number[] = [];
  const partitionSizes: number[] = [];
  const strings: Buffer[] = [];
  let size = 0;
  for (const topic of answer.topics) {
    let topicSize =
      stringFieldSize(TOPIC_TOPIC, topic.topic, strings) +
      stringFieldSize(TOPIC_TOPIC_ID, topic.topicId, strings);
    for (const p of topic.partitions) {
      const partitionSize = partitionBodySize(p, strings);
      partitionSizes.push(partitionSize);
      topicSize += tagSize(TOPIC_PARTITIONS) + varintSize(partitionSize) + partitionSize;
    }
    topicSizes.push(topicSize);
    size += tagSize(RESPONSE_TOPICS) + varintSize(topicSize) + topicSize;
  }
  size += int32FieldSize(RESPONSE_THROTTLE_TIME_MS, answer.throttleTimeMs);

  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  let stringAt = 0;
  let partitionAt = 0;
  const writeString = (field: number, value: string) => {
    if (value.length === 0) return;
    const bytes = strings[stringAt++]!;
    pos = writeTag(out, pos, field, WIRE_LENGTH_DELIMITED);
    pos = writeVarint32(out, pos, bytes.length);
    out.set(bytes, pos);
    pos += bytes.length;
  };
  for (const [t, topic] of answer.topics.entries()) {
    pos = writeTag(out, pos, RESPONSE_TOPICS, WIRE_LENGTH_DELIMITED);
    pos = writeVarint32(out, pos, topicSizes[t]!);
    writeString(TOPIC_TOPIC, topic.topic);
    writeString(TOPIC_TOPIC_ID, topic.topicId);
    for (const p of topic.partitions) {
      pos = writeTag(out, pos, TOPIC_PARTITIONS, WIRE_LENGTH_DELIMITED);
      pos = writeVarint32(out, pos, partitionSizes[partitionAt++]!);
      pos = writeInt32Field(out, pos, PARTITION_PARTITION, p.partition);
      pos = writeInt32Field(out, pos, PARTITION_ERROR_CODE, p.errorCode);
      writeString(PARTITION_ERROR_MESSAGE, p.errorMessage);
      pos = writeInt64Field(out, pos, PARTITION_HIGH_WATERMARK, p.highWatermark);
      pos = writeInt64Field(out, pos, PARTITION_LOG_START_OFFSET, p.logStartOffset);
      const recordsSize = totalLength(p.records);
      if (recordsSize > 0) {
        pos = writeTag(out, pos, PARTITION_RECORDS, WIRE_LENGTH_DELIMITED);
        pos = writeVarint32(out, pos, recordsSize);
        for (const batch of p.records) {
          out.set(batch, pos);
          pos += batch.length;
        }
      }
    }
  }
  pos = writeInt32Field(out, pos, RESPONSE_THROTTLE_TIME_MS, answer.throttleTimeMs);
  if (pos !== size) throw new Error(`fetch answer encoder wrote ${pos} bytes of the ${size} it sized`);
  return out;
}

/** The summed length of `buffers`. */
export function totalLength(buffers: readonly Uint8Array[]): number {
  let length = 0;
  for (const b of buffers) length += b.length;
  return length;
}

function partitionBodySize(p: FetchPartitionAnswer, strings: Buffer[]): number {
  const recordsSize = totalLength(p.records);
  return (
    int32FieldSize(PARTITION_PARTITION, p.partition) +
    int32FieldSize(PARTITION_ERROR_CODE, p.errorCode) +
    stringFieldSize(PARTITION_ERROR_MESSAGE, p.errorMessage, strings) +
    int64FieldSize(PARTITION_HIGH_WATERMARK, p.highWatermark) +
    int64FieldSize(PARTITION_LOG_START_OFFSET, p.logStartOffset) +
    (recordsSize > 0 ? tagSize(PARTITION_RECORDS) + varintSize(recordsSize) + recordsSize : 0)
  );
}

// Strings are encoded to UTF-8 once, while sizing, and written from that list in the same order.
function stringFieldSize(field: number, value: string, strings: Buffer[]): number {
  if (value.length === 0) return 0;
  const bytes = Buffer.from(value, 'utf8');
  strings.push(bytes);
  return tagSize(field) + varintSize(bytes.length) + bytes.length;
}

function tagSize(field: number): number {
  return varintSize(field << 3);
}

/** Bytes of an unsigned varint below 2^32. */
function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

function int32FieldSize(field: number, value: number): number {
  if (value === 0) return 0;
  checkInt32(field, value);
  // A negative int32 is sign-extended to 64 bits: always 10 bytes.
  return tagSize(field) + (value < 0 ? 10 : varintSize(value));
}

function int64FieldSize(field: number, value: bigint): number {
  if (value === 0n) return 0;
  checkInt64(field, value);
  let v = BigInt.asUintN(64, value);
  let bytes = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    bytes++;
  }
  return tagSize(field) + bytes;
}

function writeTag(out: Buffer, pos: number, field: number, wireType: number): number {
  return writeVarint32(out, pos, (field << 3) | wireType);
}

function writeVarint32(out: Buffer, pos: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
  return pos;
}

function writeInt32Field(out: Buffer, pos: number, field: number, value: number): number {
  if (value === 0) return pos;
  pos = writeTag(out, pos, field, WIRE_VARINT);
  if (value >= 0) return writeVarint32(out, pos, value);
  // Sign-extended: low 32 bits as they are, high 32 bits all ones.
  return writeVarint64(out, pos, value >>> 0, 0xffffffff);
}

function writeInt64Field(out: Buffer, pos: number, field: number, value: bigint): number {
  if (value === 0n) return pos;
  pos = writeTag(out, pos, field, WIRE_VARINT);
  const unsigned = BigInt.asUintN(64, value);
  return writeVarint64(out, pos, Number(unsigned & 0xffffffffn), Number(unsigned >> 32n));
}

// A varint of the unsigned 64-bit value hi * 2^32 + lo, 7 bits at a time.
function writeVarint64(out: Buffer, pos: number, lo: number, hi: number): number {
  let low = lo >>> 0;
  let high = hi >>> 0;
  while (high > 0 || low >= 0x80) {
    out[pos++] = (low & 0x7f) | 0x80;
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
  }
  out[pos++] = low;
  return pos;
}

function checkInt32(field: number, value: number): void {
  if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647)
    throw new RangeError(`fetch answer field ${field}: ${value} is not an int32`);
}

function checkInt64(field: number, value: bigint): void {
  if (value < INT64_MIN || value > INT64_MAX)
    throw new RangeError(`fetch answer field ${field}: ${value} is not an int64`);
}
