import { randomBytes } from 'node:crypto';
import {
  DEFAULT_SCRAM_ITERATIONS,
  deriveScramKeys,
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  type ScramMechanism,
} from '@fjord/protocol/sasl';

/**
 * What a server stores for one user and mechanism (RFC 5802 §3): enough to verify a client's
 * proof and to prove itself, not enough to log in as the user, and never the password.
 */
export interface ScramCredential {
  readonly mechanism: ScramMechanism;
  readonly salt: Buffer;
  readonly iterations: number;
  /** H(ClientKey). */
  readonly storedKey: Buffer;
  /** HMAC(SaltedPassword, "Server Key"). */
  readonly serverKey: Buffer;
}

/** Length of a generated salt in bytes (Kafka's ScramFormatter uses the same). */
export const SCRAM_SALT_LENGTH = 32;

/** Options of {@link createScramCredential}. */
export interface CreateScramCredentialOptions {
  /** Defaults to {@link SCRAM_SALT_LENGTH} random bytes. */
  salt?: Uint8Array;
  /** Defaults to {@link DEFAULT_SCRAM_ITERATIONS}; outside {@link MIN_SCRAM_ITERATIONS}..{@link MAX_SCRAM_ITERATIONS} is refused, as Kafka does. */
  iterations?: number;
}

/**
 * The salted credential to store for a user who chose `password`. The password itself is not
 * kept anywhere in the result.
 */
export function createScramCredential(
  mechanism: ScramMechanism,
  password: string,
  options: CreateScramCredentialOptions = {},
): ScramCredential {
  const iterations = options.iterations ?? DEFAULT_SCRAM_ITERATIONS;
  assertIterations(iterations);
  if (password.length === 0) throw new Error('a SCRAM password must not be empty');
  const salt = Buffer.from(options.salt ?? randomBytes(SCRAM_SALT_LENGTH));
  if (salt.length === 0) throw new Error('a SCRAM salt must not be empty');
  const { storedKey, serverKey } = deriveScramKeys(mechanism, password, salt, iterations);
  return { mechanism, salt, iterations, storedKey, serverKey };
}

function assertIterations(iterations: number): void {
  if (
    !Number.isSafeInteger(iterations) ||
    iterations < MIN_SCRAM_ITERATIONS ||
    iterations > MAX_SCRAM_ITERATIONS
  ) {
    throw new Error(
      `SCRAM iterations must be an integer from ${MIN_SCRAM_ITERATIONS} to ${MAX_SCRAM_ITERATIONS}, got ${iterations}`,
    );
  }
}
