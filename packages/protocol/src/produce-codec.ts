import type * as v1 from './gen/index.js';

// Hand-written protobuf codec for the produce messages (proto/fjord/v1/broker.proto), the
// hottest on the wire. The decoder keeps every partition's `records` as a subarray of the
// received buffer and builds the plain objects the handlers take directly, skipping protobufjs's
// message instances and its toObject pass; the encoder writes a request in one allocation.
// Field numbers and wire types below must match broker.proto (a round-trip test against the
// generated codec keeps them honest).

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** A produce message that is not valid protobuf of its type; the message names where and why. */
export class ProduceCodecError extends Error {
  /** The correlation id of a stream request, when it was read before the failure. */
  readonly correlationId: string | undefined;

  constructor(message: string, correlationId?: string) {
    super(message);
    this.name = 'ProduceCodecError';
    this.correlationId = correlationId;
  }
}

/** A ProduceStreamRequest as the handlers take it (int64 as a decimal string, as proto-loader). */
export interface DecodedProduceStreamRequest {
  correlationId: string;
  request: v1.ProduceRequest__Output | null;
}

class Reader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
    readonly where: string,
  ) {
    this.pos = start;
  }

  fail(what: string): never {
    throw new ProduceCodecError(`${this.where}: ${what} (at byte ${this.pos})`);
  }

  /** A varint as two 32-bit halves (low, high), to keep 64-bit values exact. */
  varint64(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const byte = this.buf[this.pos++]!;
      const bits = byte & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (byte < 0x80) return [lo >>> 0, hi >>> 0];
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** An int32 field: the low 32 bits of the varint, signed (negative values take 10 bytes). */
  int32(): number {
    return this.varint64()[0] | 0;
  }

  /** A length prefix, bounded by what is left of the enclosing message. */
  length(field: string): number {
    const [lo, hi] = this.varint64();
    const left = this.end - this.pos;
    if (hi !== 0 || lo > left)
      this.fail(`${field} declares ${hi !== 0 ? 'over 4 GiB' : lo} bytes, ${left} left`);
    return lo;
  }

  skip(wireType: number, field: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.advance(8, field);
        return;
      case WIRE_LENGTH_DELIMITED: {
        // Not `this.pos += this.length()`: that adds to the position before the prefix was read.
        const length = this.length(`field ${field}`);
        this.pos += length;
        return;
      }
      case WIRE_FIXED32:
        this.advance(4, field);
        return;
      default:
        this.fail(`field ${field} has wire type ${wireType}, which proto3 does not use`);
    }
  }

  advance(bytes: number, field: number): void {
    if (this.end - this.pos < bytes) this.fail(`field ${field} truncated`);
    this.pos += bytes;
  }

  /** Reads a tag: [field number, wire type]. */
  tag(): [number, number] {
    const [lo, hi] = this.varint64();
    if (hi !== 0 || lo >>> 3 === 0) this.fail(`invalid field number ${hi !== 0 ? 'over 2^29' : lo >>> 3}`);
    return [lo >>> 3, lo & 7];
  }

  expect(wireType: number, actual: number, field: string): void {
    if (wireType !== actual) this.fail(`${field} has wire type ${actual}, expected ${wireType}`);
  }
}

function uint64String([lo, hi]: [number, number]): string {
  if (hi < 0x200000) return String(hi * 0x1_0000_0000 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function decodePartition(r: Reader, end: number, where: string): v1.ProducePartition__Output {
  const p = new Reader(r.buf, r.pos, end, where);
  const partition: v1.ProducePartition__Output = { partition: 0, records: EMPTY };
  while (p.pos < end) {
    const [field, wire] = p.tag();
    if (field === 1) {
      p.expect(WIRE_VARINT, wire, 'partition');
      partition.partition = p.int32();
    } else if (field === 2) {
      p.expect(WIRE_LENGTH_DELIMITED, wire, 'records');
      const length = p.length('records');
      partition.records = p.buf.subarray(p.pos, p.pos + length);
      p.pos += length;
    } else p.skip(wire, field);
  }
  r.pos = end;
  return partition;
}

function decodeTopic(r: Reader, end: number, where: string): v1.ProduceTopic__Output {
  const t = new Reader(r.buf, r.pos, end, where);
  const topic: v1.ProduceTopic__Output = { topic: '', partitions: [] };
  while (t.pos < end) {
    const [field, wire] = t.tag();
    if (field === 1) {
      t.expect(WIRE_LENGTH_DELIMITED, wire, 'topic');
      const length = t.length('topic');
      topic.topic = t.buf.toString('utf8', t.pos, t.pos + length);
      t.pos += length;
    } else if (field === 2) {
      t.expect(WIRE_LENGTH_DELIMITED, wire, 'partitions');
      const length = t.length('partitions');
      topic.partitions.push(
        decodePartition(t, t.pos + length, `${where}.partitions[${topic.partitions.length}]`),
      );
    } else t.skip(wire, field);
  }
  r.pos = end;
  return topic;
}

/** Decodes ProduceRequest fields from r.pos to `end` into `into` (protobuf merge semantics). */
function decodeRequestInto(r: Reader, end: number, into: v1.ProduceRequest__Output, where: string): void {
  const q = new Reader(r.buf, r.pos, end, where);
  while (q.pos < end) {
    const [field, wire] = q.tag();
    if (field === 1) {
      q.expect(WIRE_VARINT, wire, 'acks');
      into.acks = q.int32();
    } else if (field === 2) {
      q.expect(WIRE_VARINT, wire, 'timeout_ms');
      into.timeoutMs = q.int32();
    } else if (field === 3) {
      q.expect(WIRE_LENGTH_DELIMITED, wire, 'topics');
      const length = q.length('topics');
      into.topics.push(decodeTopic(q, q.pos + length, `${where}.topics[${into.topics.length}]`));
    } else q.skip(wire, field);
  }
  r.pos = end;
}

const EMPTY = Buffer.alloc(0);

/**
 * Decodes a ProduceRequest into the object proto-loader would give (defaults filled in),
 * every `records` a view of `bytes`, not a copy: keep `bytes` alive and unchanged as long as
 * the request is used. Throws {@link ProduceCodecError} naming the place of a truncated or
 * malformed field.
 */
export function decodeProduceRequest(bytes: Buffer): v1.ProduceRequest__Output {
  const request: v1.ProduceRequest__Output = { acks: 0, timeoutMs: 0, topics: [] };
  decodeRequestInto(
    new Reader(bytes, 0, bytes.length, 'ProduceRequest'),
    bytes.length,
    request,
    'ProduceRequest',
  );
  return request;
}

/**
 * Decodes a ProduceStreamRequest like {@link decodeProduceRequest}. A failure after the
 * correlation id was read carries it (`error.correlationId`), so that the one request can be
 * answered and the stream go on.
 */
export function decodeProduceStreamRequest(bytes: Buffer): DecodedProduceStreamRequest {
  const decoded: DecodedProduceStreamRequest = { correlationId: '0', request: null };
  const r = new Reader(bytes, 0, bytes.length, 'ProduceStreamRequest');
  let correlationRead = false;
  try {
    while (r.pos < bytes.length) {
      const [field, wire] = r.tag();
      if (field === 1) {
        r.expect(WIRE_VARINT, wire, 'correlation_id');
        decoded.correlationId = uint64String(r.varint64());
        correlationRead = true;
      } else if (field === 2) {
        r.expect(WIRE_LENGTH_DELIMITED, wire, 'request');
        const length = r.length('request');
        decoded.request ??= { acks: 0, timeoutMs: 0, topics: [] };
        decodeRequestInto(r, r.pos + length, decoded.request, 'ProduceStreamRequest.request');
      } else r.skip(wire, field);
    }
  } catch (error) {
    if (error instanceof ProduceCodecError && correlationRead)
      throw new ProduceCodecError(error.message, decoded.correlationId);
    throw error;
  }
  return decoded;
}

// --- encoding -------------------------------------------------------------------------------

function varintSize(value: number): number {
  // Negative int32 values are sign-extended to 64 bits: always 10 bytes.
  if (value < 0) return 10;
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, value: number): number {
  if (value < 0) {
    // Two's complement over 64 bits: the low 32 bits, then all-ones above.
    let lo = value >>> 0;
    for (let i = 0; i < 4; i++) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    // Bits 28..31 of the low half, then the high half's ones.
    buf[pos++] = (lo & 0x0f) | 0x70 | 0x80;
    for (let i = 0; i < 4; i++) buf[pos++] = 0xff;
    buf[pos++] = 0x01;
    return pos;
  }
  while (value >= 0x80) {
    buf[pos++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

function int32Of(value: number | undefined, field: string): number {
  const n = value ?? 0;
  if (!Number.isInteger(n) || n < -0x8000_0000 || n > 0x7fff_ffff)
    throw new ProduceCodecError(`${field} must be an int32, got ${n}`);
  return n;
}

function bytesOf(records: v1.ProducePartition['records'], where: string): Uint8Array {
  if (records === undefined) return EMPTY;
  if (typeof records === 'string')
    throw new ProduceCodecError(`${where}.records must be bytes, not a string`);
  return records;
}

interface SizedTopic {
  name: Buffer;
  partitions: Array<{ partition: number; records: Uint8Array; size: number }>;
  size: number;
}

function lengthDelimitedSize(contentSize: number): number {
  return 1 + varintSize(contentSize) + contentSize;
}

function sizeRequest(request: v1.ProduceRequest): {
  acks: number;
  timeoutMs: number;
  topics: SizedTopic[];
  size: number;
} {
  const acks = int32Of(request.acks, 'acks');
  const timeoutMs = int32Of(request.timeoutMs, 'timeoutMs');
  let size = (acks !== 0 ? 1 + varintSize(acks) : 0) + (timeoutMs !== 0 ? 1 + varintSize(timeoutMs) : 0);
  const topics = (request.topics ?? []).map((t, ti): SizedTopic => {
    const name = Buffer.from(t.topic ?? '', 'utf8');
    let topicSize = name.length > 0 ? lengthDelimitedSize(name.length) : 0;
    const partitions = (t.partitions ?? []).map((p, pi) => {
      const partition = int32Of(p.partition, `topics[${ti}].partitions[${pi}].partition`);
      const records = bytesOf(p.records, `topics[${ti}].partitions[${pi}]`);
      const partitionSize =
        (partition !== 0 ? 1 + varintSize(partition) : 0) +
        (records.length > 0 ? lengthDelimitedSize(records.length) : 0);
      topicSize += lengthDelimitedSize(partitionSize);
      return { partition, records, size: partitionSize };
    });
    size += lengthDelimitedSize(topicSize);
    return { name, partitions, size: topicSize };
  });
  return { acks, timeoutMs, topics, size };
}

function writeRequest(buf: Buffer, pos: number, sized: ReturnType<typeof sizeRequest>): number {
  if (sized.acks !== 0) {
    buf[pos++] = (1 << 3) | WIRE_VARINT;
    pos = writeVarint(buf, pos, sized.acks);
  }
  if (sized.timeoutMs !== 0) {
    buf[pos++] = (2 << 3) | WIRE_VARINT;
    pos = writeVarint(buf, pos, sized.timeoutMs);
  }
  for (const topic of sized.topics) {
    buf[pos++] = (3 << 3) | WIRE_LENGTH_DELIMITED;
    pos = writeVarint(buf, pos, topic.size);
    if (topic.name.length > 0) {
      buf[pos++] = (1 << 3) | WIRE_LENGTH_DELIMITED;
      pos = writeVarint(buf, pos, topic.name.length);
      pos += topic.name.copy(buf, pos);
    }
    for (const partition of topic.partitions) {
      buf[pos++] = (2 << 3) | WIRE_LENGTH_DELIMITED;
      pos = writeVarint(buf, pos, partition.size);
      if (partition.partition !== 0) {
        buf[pos++] = (1 << 3) | WIRE_VARINT;
        pos = writeVarint(buf, pos, partition.partition);
      }
      if (partition.records.length > 0) {
        buf[pos++] = (2 << 3) | WIRE_LENGTH_DELIMITED;
        pos = writeVarint(buf, pos, partition.records.length);
        buf.set(partition.records, pos);
        pos += partition.records.length;
      }
    }
  }
  return pos;
}

/** Encodes a ProduceRequest in one allocation (the records are copied once, into it). */
export function encodeProduceRequest(request: v1.ProduceRequest): Buffer {
  const sized = sizeRequest(request);
  const buf = Buffer.allocUnsafe(sized.size);
  writeRequest(buf, 0, sized);
  return buf;
}

function correlationIdOf(value: v1.ProduceStreamRequest['correlationId']): bigint {
  let id: bigint;
  try {
    id = BigInt(typeof value === 'object' && value !== null ? value.toString() : (value ?? 0));
  } catch {
    throw new ProduceCodecError(`correlationId must be an unsigned 64-bit integer, got ${String(value)}`);
  }
  if (id < 0n || id >= 1n << 64n)
    throw new ProduceCodecError(`correlationId must be an unsigned 64-bit integer, got ${id}`);
  return id;
}

function bigVarintSize(value: bigint): number {
  let size = 1;
  while (value >= 0x80n) {
    value >>= 7n;
    size++;
  }
  return size;
}

/** Encodes a ProduceStreamRequest in one allocation. */
export function encodeProduceStreamRequest(message: v1.ProduceStreamRequest): Buffer {
  const correlationId = correlationIdOf(message.correlationId);
  const sized = message.request ? sizeRequest(message.request) : undefined;
  const size =
    (correlationId !== 0n ? 1 + bigVarintSize(correlationId) : 0) +
    (sized ? lengthDelimitedSize(sized.size) : 0);
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  if (correlationId !== 0n) {
    buf[pos++] = (1 << 3) | WIRE_VARINT;
    let rest = correlationId;
    while (rest >= 0x80n) {
      buf[pos++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    buf[pos++] = Number(rest);
  }
  if (sized) {
    buf[pos++] = (2 << 3) | WIRE_LENGTH_DELIMITED;
    pos = writeVarint(buf, pos, sized.size);
    writeRequest(buf, pos, sized);
  }
  return buf;
}
