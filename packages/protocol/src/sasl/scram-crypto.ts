import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import type { ScramMechanism } from './scram-mechanism.js';

// RFC 5802 §2.2's primitives. Passwords are taken as their UTF-8 bytes without SASLprep, as
// Kafka's ScramFormatter does, so credentials made by either side agree.

/** H(data). */
export function hash(mechanism: ScramMechanism, data: Uint8Array): Buffer {
  return createHash(mechanism.hash).update(data).digest();
}

/** HMAC(key, data). */
export function hmac(mechanism: ScramMechanism, key: Uint8Array, data: Uint8Array | string): Buffer {
  return createHmac(mechanism.hash, key).update(data).digest();
}

/** Hi(password, salt, i): PBKDF2 with HMAC as the PRF and one block of output. */
export function hi(
  mechanism: ScramMechanism,
  password: string,
  salt: Uint8Array,
  iterations: number,
): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, mechanism.keyLength, mechanism.hash);
}

/** a XOR b, for two keys of the same length. */
export function xor(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.length !== b.length) throw new Error(`cannot XOR ${a.length} bytes with ${b.length} bytes`);
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/** Constant-time equality; unequal lengths are unequal without comparing contents. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
