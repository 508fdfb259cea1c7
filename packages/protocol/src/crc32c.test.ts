import { describe, expect, it } from 'vitest';
import { crc32c, crc32cPortable } from './crc32c.js';

/** Bit-at-a-time CRC-32C straight from the definition, to check the slicing-by-8 tables against. */
function referenceCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Deterministic bytes (xorshift32), so a failure reproduces. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('crc32c', () => {
  it('matches the standard check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789', 'ascii'))).toBe(0xe3069283);
  });

  // RFC 3720 (iSCSI) appendix B.4 test vectors.
  it('matches RFC 3720 B.4: 32 bytes of zeros', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  it('matches RFC 3720 B.4: 32 bytes of 0xFF', () => {
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it('matches RFC 3720 B.4: bytes 0..31 ascending', () => {
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });

  it('matches RFC 3720 B.4: bytes 31..0 descending', () => {
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('is 0 for empty input', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('always returns an unsigned 32-bit integer', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const crc = crc32c(pseudoRandomBytes(seed, seed));
      expect(Number.isInteger(crc)).toBe(true);
      expect(crc).toBeGreaterThanOrEqual(0);
      expect(crc).toBeLessThanOrEqual(0xffffffff);
    }
  });

  it('equals a bitwise reference on every length 0..300 (all slicing tails)', () => {
    for (let length = 0; length <= 300; length++) {
      const data = pseudoRandomBytes(length, length + 7);
      expect(crc32c(data), `length ${length}`).toBe(referenceCrc32c(data));
    }
  });

  it('the native and the JavaScript versions agree around the switch-over length and on views', () => {
    const data = pseudoRandomBytes(5000, 99);
    for (const length of [1000, 1023, 1024, 1025, 4097]) {
      const view = data.subarray(3, 3 + length);
      expect(crc32c(view), `length ${length}`).toBe(crc32cPortable(view));
      expect(crc32c(Buffer.from(view)), `Buffer of length ${length}`).toBe(referenceCrc32c(view));
    }
  });

  it('equals a bitwise reference on large buffers', () => {
    for (const length of [4096, 65_537, 1_000_003]) {
      const data = pseudoRandomBytes(length, length);
      expect(crc32c(data), `length ${length}`).toBe(referenceCrc32c(data));
    }
  });

  it('is independent of the view offset and alignment', () => {
    const data = pseudoRandomBytes(1000, 42);
    for (let start = 0; start < 9; start++) {
      const copy = Uint8Array.from(data.subarray(start, start + 500));
      expect(crc32c(data.subarray(start, start + 500))).toBe(crc32c(copy));
    }
  });

  it('accepts a Buffer and a plain Uint8Array alike', () => {
    const bytes = pseudoRandomBytes(77, 3);
    expect(crc32c(Buffer.from(bytes))).toBe(crc32c(bytes));
  });

  it('changes when any single bit flips', () => {
    const data = pseudoRandomBytes(64, 9);
    const original = crc32c(data);
    for (let bit = 0; bit < data.length * 8; bit++) {
      const copy = Uint8Array.from(data);
      copy[bit >>> 3]! ^= 1 << (bit & 7);
      expect(crc32c(copy)).not.toBe(original);
    }
  });
});
