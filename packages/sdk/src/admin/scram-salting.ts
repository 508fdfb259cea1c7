import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

// RFC 5802's Hi(), computed on the client so that only the salted password travels to the
// coordinator (which derives StoredKey and ServerKey from it and keeps no password). The SDK
// may depend on @fjord/protocol alone, so this does not use @fjord/security's SCRAM code.
// TODO(#13): use @fjord/protocol's SCRAM pieces once they move there.

const pbkdf2Async = promisify(pbkdf2);

/** The SCRAM mechanisms, by the name the SDK takes (KafkaJS's `sasl.mechanism` spelling). */
export const SCRAM_MECHANISMS = {
  'scram-sha-256': { wireName: 'SCRAM-SHA-256', hash: 'sha256', keyLength: 32 },
  'scram-sha-512': { wireName: 'SCRAM-SHA-512', hash: 'sha512', keyLength: 64 },
} as const;
export type ScramMechanismName = keyof typeof SCRAM_MECHANISMS;

/** Fewest and most PBKDF2 iterations Kafka accepts for a credential. */
export const MIN_SCRAM_ITERATIONS = 4096;
export const MAX_SCRAM_ITERATIONS = 16_384;
/** Iterations of a credential created without a count: Kafka's default. */
export const DEFAULT_SCRAM_ITERATIONS = 4096;
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
export async function saltPassword(
  mechanism: ScramMechanismName,
  password: string,
  iterations: number,
  salt: Buffer = randomBytes(SALT_BYTES),
): Promise<SaltedPassword> {
  const { hash, keyLength } = SCRAM_MECHANISMS[mechanism];
  const saltedPassword = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, keyLength, hash);
  return { salt, saltedPassword };
}
