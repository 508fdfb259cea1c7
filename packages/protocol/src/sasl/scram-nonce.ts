import { randomBytes } from 'node:crypto';

/** Bytes of randomness in a generated nonce (before base64). */
const NONCE_BYTES = 24;

/** A fresh random nonce: base64 is printable ASCII and never contains the comma SCRAM forbids. */
export function randomScramNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64');
}
