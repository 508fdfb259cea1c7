import { randomInt, randomUUID } from 'node:crypto';

/**
 * Every random decision (ids, placement offsets) goes through this interface so it is made
 * before a record is appended and can be replaced by a deterministic source in tests.
 */
export interface RandomSource {
  /** A new random UUID (topic ids, cluster id). */
  uuid(): string;
  /** A random integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
}

/** Cryptographically random source backed by node:crypto. */
export const systemRandom: RandomSource = {
  uuid: () => randomUUID(),
  int: (maxExclusive) => (maxExclusive <= 1 ? 0 : randomInt(maxExclusive)),
};
