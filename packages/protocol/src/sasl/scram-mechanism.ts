/**
 * A SCRAM mechanism: the hash that RFC 5802's H(), HMAC() and Hi() are built on. Kafka supports
 * SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 7677); the RFC 5802 SHA-1 variant only serves the test of
 * the derivation against the RFC's own vector.
 */
export interface ScramMechanism {
  /** The SASL mechanism name, as sent on the wire (`SCRAM-SHA-256`). */
  readonly name: string;
  /** The node:crypto hash name. */
  readonly hash: 'sha1' | 'sha256' | 'sha512';
  /** Output length of the hash in bytes, which is also the length of every SCRAM key. */
  readonly keyLength: number;
}

/** SCRAM-SHA-256 (RFC 7677). */
export const SCRAM_SHA_256: ScramMechanism = Object.freeze({
  name: 'SCRAM-SHA-256',
  hash: 'sha256',
  keyLength: 32,
});

/** SCRAM-SHA-512 (as Kafka implements it; same construction with SHA-512). */
export const SCRAM_SHA_512: ScramMechanism = Object.freeze({
  name: 'SCRAM-SHA-512',
  hash: 'sha512',
  keyLength: 64,
});

/** The SCRAM mechanisms a Fjord server offers, by wire name. */
export const SCRAM_MECHANISMS: ReadonlyMap<string, ScramMechanism> = new Map([
  [SCRAM_SHA_256.name, SCRAM_SHA_256],
  [SCRAM_SHA_512.name, SCRAM_SHA_512],
]);

/** Fewest PBKDF2 iterations accepted anywhere (RFC 7677 §4 and Kafka's minimum). */
export const MIN_SCRAM_ITERATIONS = 4096;

/**
 * Most iterations a client agrees to compute. Kafka's bound: a hostile server must not be able
 * to make a client burn unbounded CPU.
 */
export const MAX_SCRAM_ITERATIONS = 16_384;

/** Iterations used when a credential is created without an explicit count (Kafka's default). */
export const DEFAULT_SCRAM_ITERATIONS = 4096;

/** Looks a mechanism up by its wire name (case-insensitive), with an error naming the choices. */
export function scramMechanism(name: string): ScramMechanism {
  const found = SCRAM_MECHANISMS.get(name.toUpperCase());
  if (!found) {
    throw new Error(
      `unknown SCRAM mechanism '${name}': expected one of ${[...SCRAM_MECHANISMS.keys()].join(', ')}`,
    );
  }
  return found;
}
