import { hash, hi, hmac } from './scram-crypto.js';
import type { ScramMechanism } from './scram-mechanism.js';

/** The keys RFC 5802 derives from a salted password. */
export interface ScramKeys {
  readonly saltedPassword: Buffer;
  readonly clientKey: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** SaltedPassword, ClientKey, StoredKey and ServerKey for `password` (RFC 5802 §3). */
export function deriveScramKeys(
  mechanism: ScramMechanism,
  password: string,
  salt: Uint8Array,
  iterations: number,
): ScramKeys {
  const saltedPassword = hi(mechanism, password, salt, iterations);
  const clientKey = hmac(mechanism, saltedPassword, 'Client Key');
  return {
    saltedPassword,
    clientKey,
    storedKey: hash(mechanism, clientKey),
    serverKey: hmac(mechanism, saltedPassword, 'Server Key'),
  };
}
