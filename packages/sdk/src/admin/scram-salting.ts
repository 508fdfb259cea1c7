import { randomBytes } from 'node:crypto';
import {
  DEFAULT_SCRAM_ITERATIONS,
  hi,
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  type ScramMechanism,
} from '@fjord/protocol/sasl';

// RFC 5802's Hi(), computed on the client so that only the salted password travels to the
// coordinator (which derives StoredKey and ServerKey from it and keeps no password).

export { DEFAULT_SCRAM_ITERATIONS, MAX_SCRAM_ITERATIONS, MIN_SCRAM_ITERATIONS };

/** The SCRAM mechanisms, by the name the SDK takes (KafkaJS's `sasl.mechanism` spelling). */
export const SCRAM_MECHANISMS: Readonly<Record<'scram-sha-256' | 'scram-sha-512', ScramMechanism>> = {
  'scram-sha-256': SCRAM_SHA_256,
  'scram-sha-512': SCRAM_SHA_512,
};
export type ScramMechanismName = keyof typeof SCRAM_MECHANISMS;

// Kafka's ScramFormatter uses a random salt of this size.
const SALT_BYTES = 32;

/** What AlterUserScramCredentials carries for one upsertion. */
export interface SaltedPassword {
  salt: Buffer;
  saltedPassword: Buffer;
}

/**
 * The mechanism named `text` (`scram-sha-256` or `SCRAM-SHA-256`), or undefined when it is
 * none of them.
 */
export function scramMechanismName(text: unknown): ScramMechanismName | undefined {
  if (typeof text !== 'string') return undefined;
  const lower = text.trim().toLowerCase();
  return lower in SCRAM_MECHANISMS ? (lower as ScramMechanismName) : undefined;
}

/** Hi(password, salt, iterations) with a fresh random salt (the password as UTF-8, no SASLprep, as Kafka). */
export function saltPassword(
  mechanism: ScramMechanismName,
  password: string,
  iterations: number,
  salt: Buffer = randomBytes(SALT_BYTES),
): SaltedPassword {
  return { salt, saltedPassword: hi(SCRAM_MECHANISMS[mechanism], password, salt, iterations) };
}
