import { describe, expect, it } from 'vitest';
import { ErrorCode, ProtocolError } from './errors.js';
import {
  ByteCursor,
  MAX_VARINT_BYTES,
  MAX_VARLONG_BYTES,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from './varint.js';

function encodeVarint(value: number): Uint8Array {
  const buf = new Uint8Array(MAX_VARINT_BYTES);
  return buf.subarray(0, writeVarint(buf, 0, value));
}

function encodeVarlong(value: number): Uint8Array {
  const buf = new Uint8Array(MAX_VARLONG_BYTES);
  return buf.subarray(0, writeVarlong(buf, 0, value));
}

/** Zig-zag varlong via BigInt, as Kafka's ByteUtils.writeVarlong does with Java longs. */
function bigintVarlong(value: bigint): Uint8Array {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Uint8Array.from(out);
}

function expectProtocolError(fn: () => unknown, code: number, message?: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(code);
    if (message) expect((err as ProtocolError).message).toMatch(message);
    return;
  }
  expect.fail('expected a ProtocolError');
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

describe('varint (zig-zag int32)', () => {
  it.each([
    [0, [0x00]],
    [-1, [0x01]],
    [1, [0x02]],
    [-2, [0x03]],
    [63, [0x7e]],
    [-64, [0x7f]],
    [64, [0x80, 0x01]],
    [300, [0xd8, 0x04]],
    [INT32_MAX, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
    [INT32_MIN, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('encodes %i as %j', (value, bytes) => {
    expect([...encodeVarint(value)]).toEqual(bytes);
    expect(sizeOfVarint(value)).toBe(bytes.length);
  });

  it('round-trips boundaries and a sweep of values', () => {
    const values = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8193, 2 ** 20, -(2 ** 27), INT32_MAX, INT32_MIN];
    for (let v = -70_000; v <= 70_000; v += 97) values.push(v);
    for (const v of values) {
      const bytes = encodeVarint(v);
      expect(bytes.length).toBe(sizeOfVarint(v));
      const cur = new ByteCursor(bytes, 0, bytes.length);
      expect(cur.readVarint()).toBe(v);
      expect(cur.pos).toBe(bytes.length);
    }
  });

  it('writes at the given position and returns the position after it', () => {
    const buf = new Uint8Array(8).fill(0xaa);
    expect(writeVarint(buf, 3, 300)).toBe(5);
    expect([...buf]).toEqual([0xaa, 0xaa, 0xaa, 0xd8, 0x04, 0xaa, 0xaa, 0xaa]);
  });

  it('reads consecutive varints', () => {
    const buf = new Uint8Array(20);
    let pos = 0;
    for (const v of [5, -300, INT32_MAX, 0]) pos = writeVarint(buf, pos, v);
    const cur = new ByteCursor(buf, 0, pos);
    expect([cur.readVarint(), cur.readVarint(), cur.readVarint(), cur.readVarint()]).toEqual([
      5,
      -300,
      INT32_MAX,
      0,
    ]);
    expect(cur.remaining).toBe(0);
  });

  it.each([2 ** 31, INT32_MIN - 1, 1.5, Number.NaN])('refuses to write the non-int32 %s', (v) => {
    expect(() => writeVarint(new Uint8Array(10), 0, v)).toThrow(RangeError);
    expect(() => sizeOfVarint(v)).toThrow(RangeError);
  });

  it('throws INVALID_RECORD on empty input', () => {
    expectProtocolError(
      () => new ByteCursor(new Uint8Array(0), 0, 0).readVarint(),
      ErrorCode.INVALID_RECORD,
      /truncated/,
    );
  });

  it('throws INVALID_RECORD on a varint cut short by the end of the buffer', () => {
    expectProtocolError(
      () => new ByteCursor(Uint8Array.of(0x80, 0x80), 0, 2).readVarint(),
      ErrorCode.INVALID_RECORD,
    );
  });

  it('respects the cursor end, not the buffer length', () => {
    const bytes = Uint8Array.of(0xd8, 0x04);
    expectProtocolError(
      () => new ByteCursor(bytes, 0, 1).readVarint(),
      ErrorCode.INVALID_RECORD,
      /truncated/,
    );
  });

  it('throws INVALID_RECORD when a varint runs past 5 bytes', () => {
    const bytes = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    expectProtocolError(() => new ByteCursor(bytes, 0, bytes.length).readVarint(), ErrorCode.INVALID_RECORD);
  });

  it('throws INVALID_RECORD when the fifth byte carries bits beyond 32', () => {
    const bytes = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x1f);
    expectProtocolError(
      () => new ByteCursor(bytes, 0, 5).readVarint(),
      ErrorCode.INVALID_RECORD,
      /overflows/,
    );
  });

  it('accepts a non-minimal but in-range encoding, as Kafka does', () => {
    // 0x80 0x00 is a two-byte zero.
    expect(new ByteCursor(Uint8Array.of(0x80, 0x00), 0, 2).readVarint()).toBe(0);
  });
});

describe('varlong (zig-zag int64 as a safe-integer number)', () => {
  const MAX = Number.MAX_SAFE_INTEGER;

  it('matches a BigInt zig-zag encoder on boundaries and large values', () => {
    const values = [
      0,
      1,
      -1,
      63,
      -64,
      64,
      INT32_MAX,
      INT32_MIN,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 32,
      1_700_000_000_000,
      -1_700_000_000_000,
      2 ** 49 - 1,
      2 ** 49,
      2 ** 52 + 1,
      MAX - 1,
      MAX,
      -MAX,
      -MAX + 1,
    ];
    for (const v of values) {
      const bytes = encodeVarlong(v);
      expect([...bytes], `value ${v}`).toEqual([...bigintVarlong(BigInt(v))]);
      expect(sizeOfVarlong(v)).toBe(bytes.length);
    }
  });

  it('round-trips boundaries, powers of two and their neighbours', () => {
    const values: number[] = [0, MAX, -MAX];
    for (let e = 0; e < 53; e++) {
      for (const v of [2 ** e - 1, 2 ** e, 2 ** e + 1]) {
        if (Number.isSafeInteger(v)) values.push(v, 0 - v || 0);
      }
    }
    for (const v of values) {
      const bytes = encodeVarlong(v);
      const cur = new ByteCursor(bytes, 0, bytes.length);
      expect(cur.readVarlong(), `value ${v}`).toBe(v);
      expect(cur.pos).toBe(bytes.length);
    }
  });

  it('encodes int32-range values exactly as varints', () => {
    for (const v of [0, -1, 300, -300, INT32_MAX, INT32_MIN])
      expect([...encodeVarlong(v)]).toEqual([...encodeVarint(v)]);
  });

  it('reads a Kafka-written timestamp delta of several years', () => {
    const delta = 5 * 365 * 24 * 3600 * 1000;
    const bytes = bigintVarlong(BigInt(delta));
    expect(new ByteCursor(bytes, 0, bytes.length).readVarlong()).toBe(delta);
  });

  it.each([2 ** 53, -(2 ** 53), 1.5, Number.POSITIVE_INFINITY])('refuses to write the unsafe %s', (v) => {
    expect(() => writeVarlong(new Uint8Array(10), 0, v)).toThrow(RangeError);
    expect(() => sizeOfVarlong(v)).toThrow(RangeError);
  });

  it.each([
    ['2^53', 2n ** 53n],
    ['-(2^53)', -(2n ** 53n)],
    ['int64 max', 2n ** 63n - 1n],
    ['int64 min', -(2n ** 63n)],
  ])('throws INVALID_RECORD for %s, outside the safe range', (_name, value) => {
    const bytes = bigintVarlong(value);
    expectProtocolError(
      () => new ByteCursor(bytes, 0, bytes.length).readVarlong(),
      ErrorCode.INVALID_RECORD,
      /safe/,
    );
  });

  it('throws INVALID_RECORD when a varlong runs past 10 bytes', () => {
    const bytes = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    expectProtocolError(
      () => new ByteCursor(bytes, 0, bytes.length).readVarlong(),
      ErrorCode.INVALID_RECORD,
      /10 bytes/,
    );
  });

  it('throws INVALID_RECORD on truncated input', () => {
    expectProtocolError(
      () => new ByteCursor(new Uint8Array(0), 0, 0).readVarlong(),
      ErrorCode.INVALID_RECORD,
    );
    const cut = encodeVarlong(1_700_000_000_000).subarray(0, 3);
    expectProtocolError(
      () => new ByteCursor(cut, 0, cut.length).readVarlong(),
      ErrorCode.INVALID_RECORD,
      /truncated/,
    );
  });
});

describe('ByteCursor.readInt8', () => {
  it('reads signed bytes and stops at the end', () => {
    const cur = new ByteCursor(Uint8Array.of(0x00, 0x7f, 0x80, 0xff), 0, 4);
    expect([cur.readInt8(), cur.readInt8(), cur.readInt8(), cur.readInt8()]).toEqual([0, 127, -128, -1]);
    expectProtocolError(() => cur.readInt8(), ErrorCode.INVALID_RECORD, /truncated int8/);
  });
});
