/**
 * Zig-zag varints (int32) and varlongs (int64) as Kafka's `ByteUtils` writes them inside
 * RecordBatch v2 records. Internal to this package.
 *
 * Varlongs are read and written as JavaScript numbers, not bigints: in a record they carry
 * timestampDelta, and Fjord's timestamps are millisecond numbers, so every value that matters
 * fits in a safe integer (|v| < 2^53) and the hot path avoids a BigInt per record. Reading a
 * varlong outside the safe range throws instead of silently losing precision.
 *
 * Readers throw ProtocolError(INVALID_RECORD) on truncated or over-long input, because
 * varints only occur inside records; the batch decoder adds the record's position.
 */
import { ErrorCode, ProtocolError } from './errors.js';

/** Longest varint (int32) in bytes. */
export const MAX_VARINT_BYTES = 5;
/** Longest varlong (int64) in bytes. */
export const MAX_VARLONG_BYTES = 10;

function assertInt32(value: number): void {
  if ((value | 0) !== value)
    throw new RangeError(`varint value must be a 32-bit signed integer, got ${value}`);
}

function assertSafe(value: number): void {
  if (!Number.isSafeInteger(value))
    throw new RangeError(`varlong value must be a safe integer, got ${value}`);
}

/** Bytes taken by `value` (an int32) as a zig-zag varint. */
export function sizeOfVarint(value: number): number {
  assertInt32(value);
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

/** Writes `value` (an int32) as a zig-zag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  assertInt32(value);
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/*
 * The zig-zag value of v is 2m + s with (m, s) = (v, 0) for v >= 0 and (-v - 1, 1) for v < 0.
 * Working on m and s directly keeps every intermediate value below 2^53, where doubles are
 * exact; forming 2m + s itself could exceed 2^53 and round.
 */

/** Bytes taken by `value` (a safe integer) as a zig-zag varlong. */
export function sizeOfVarlong(value: number): number {
  assertSafe(value);
  let rest = Math.floor((value >= 0 ? value : -value - 1) / 64);
  let n = 1;
  while (rest > 0) {
    rest = Math.floor(rest / 128);
    n++;
  }
  return n;
}

/** Writes `value` (a safe integer) as a zig-zag varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  assertSafe(value);
  const negative = value < 0;
  const m = negative ? -value - 1 : value;
  let byte = (m % 64) * 2 + (negative ? 1 : 0);
  let rest = Math.floor(m / 64);
  while (rest > 0) {
    buf[pos++] = byte | 0x80;
    byte = rest % 128;
    rest = Math.floor(rest / 128);
  }
  buf[pos++] = byte;
  return pos;
}

/**
 * A read position in `buf` that may not pass `end`. Every read checks the bound, so a
 * declared length can never make the decoder read outside the region it was given.
 */
export class ByteCursor {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    public end: number,
  ) {}

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Reads a signed byte. */
  readInt8(): number {
    if (this.pos >= this.end) throw truncated('int8', this.pos);
    const b = this.buf[this.pos++]!;
    return (b << 24) >> 24;
  }

  /** Reads a zig-zag varint (int32). */
  readVarint(): number {
    const start = this.pos;
    let z = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw truncated('varint', start);
      const b = this.buf[this.pos++]!;
      // The fifth byte may only hold the top 4 bits of a 32-bit value and must end the varint.
      if (shift === 28 && b > 0x0f) {
        throw new ProtocolError(ErrorCode.INVALID_RECORD, `varint at byte ${start} overflows 32 bits`);
      }
      z |= (b & 0x7f) << shift;
      if (b < 0x80) return (z >>> 1) ^ -(z & 1);
    }
    // Unreachable: the fifth byte either ends the varint or fails the overflow check above.
    throw new ProtocolError(ErrorCode.INVALID_RECORD, `varint at byte ${start} is longer than 5 bytes`);
  }

  /** Reads a zig-zag varlong (int64) that must fit in a safe integer (see the module comment). */
  readVarlong(): number {
    const start = this.pos;
    if (this.pos >= this.end) throw truncated('varlong', start);
    let b = this.buf[this.pos++]!;
    const negative = (b & 1) === 1;
    let m = (b & 0x7f) >>> 1;
    let scale = 64;
    let count = 1;
    while (b >= 0x80) {
      if (count === MAX_VARLONG_BYTES) {
        throw new ProtocolError(ErrorCode.INVALID_RECORD, `varlong at byte ${start} is longer than 10 bytes`);
      }
      if (this.pos >= this.end) throw truncated('varlong', start);
      b = this.buf[this.pos++]!;
      m += (b & 0x7f) * scale;
      scale *= 128;
      count++;
    }
    // Rounding is monotonic, so an m above the safe range never rounds back into it.
    if (m > (negative ? Number.MAX_SAFE_INTEGER - 1 : Number.MAX_SAFE_INTEGER)) {
      throw new ProtocolError(
        ErrorCode.INVALID_RECORD,
        `varlong at byte ${start} is outside the safe integer range (|v| < 2^53)`,
      );
    }
    return negative ? -m - 1 : m;
  }
}

function truncated(what: string, at: number): ProtocolError {
  return new ProtocolError(ErrorCode.INVALID_RECORD, `truncated ${what} at byte ${at}`);
}
