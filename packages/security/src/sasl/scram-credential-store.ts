import {
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  type ScramMechanism,
  scramMechanism,
} from '@fjord/protocol/sasl';
import type { ScramCredential } from './scram-credential.js';

/**
 * A SCRAM credential as a JSON-safe record, the shape to keep in the metadata log: byte fields
 * in base64, the mechanism by name. It holds no password.
 */
export interface ScramCredentialRecord {
  readonly user: string;
  readonly mechanism: string;
  readonly salt: string;
  readonly iterations: number;
  readonly storedKey: string;
  readonly serverKey: string;
}

/** What describeUserScramCredentials may show of a credential: never the salt or the keys. */
export interface ScramCredentialInfo {
  readonly mechanism: string;
  readonly iterations: number;
}

/** The record of `user`'s credential. */
export function toScramCredentialRecord(user: string, credential: ScramCredential): ScramCredentialRecord {
  return {
    user,
    mechanism: credential.mechanism.name,
    salt: credential.salt.toString('base64'),
    iterations: credential.iterations,
    storedKey: credential.storedKey.toString('base64'),
    serverKey: credential.serverKey.toString('base64'),
  };
}

/** The credential of a record, checked field by field, with an error naming the bad field. */
export function fromScramCredentialRecord(record: ScramCredentialRecord): ScramCredential {
  const mechanism: ScramMechanism = scramMechanism(record.mechanism);
  const bytes = (name: 'salt' | 'storedKey' | 'serverKey', length?: number): Buffer => {
    const value = record[name];
    const decoded = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (
      decoded.length === 0 ||
      decoded.toString('base64') !== value ||
      (length !== undefined && decoded.length !== length)
    ) {
      throw new Error(
        `SCRAM credential of '${record.user}': ${name} must be base64${length === undefined ? '' : ` of ${length} bytes`}`,
      );
    }
    return decoded;
  };
  if (
    !Number.isSafeInteger(record.iterations) ||
    record.iterations < MIN_SCRAM_ITERATIONS ||
    record.iterations > MAX_SCRAM_ITERATIONS
  ) {
    throw new Error(
      `SCRAM credential of '${record.user}': iterations must be ${MIN_SCRAM_ITERATIONS}..${MAX_SCRAM_ITERATIONS}, got ${record.iterations}`,
    );
  }
  return {
    mechanism,
    salt: bytes('salt'),
    iterations: record.iterations,
    storedKey: bytes('storedKey', mechanism.keyLength),
    serverKey: bytes('serverKey', mechanism.keyLength),
  };
}

/**
 * The credentials a node knows, by user and mechanism: the state the metadata log's credential
 * records are replayed into, and the lookup a `ScramServer` asks.
 */
export class ScramCredentialStore {
  private readonly byUser = new Map<string, Map<string, ScramCredential>>();

  /** Sets (or replaces) `user`'s credential for its mechanism. */
  set(user: string, credential: ScramCredential): void {
    if (user.length === 0) throw new Error('a SCRAM user name must not be empty');
    let mechanisms = this.byUser.get(user);
    if (!mechanisms) {
      mechanisms = new Map();
      this.byUser.set(user, mechanisms);
    }
    mechanisms.set(credential.mechanism.name, credential);
  }

  /** Deletes `user`'s credential for one mechanism; false if there was none. */
  delete(user: string, mechanism: ScramMechanism): boolean {
    const mechanisms = this.byUser.get(user);
    const deleted = mechanisms?.delete(mechanism.name) ?? false;
    if (mechanisms?.size === 0) this.byUser.delete(user);
    return deleted;
  }

  /** The lookup for `ScramServer` and PLAIN verification. */
  readonly lookup = (user: string, mechanism: ScramMechanism): ScramCredential | undefined =>
    this.byUser.get(user)?.get(mechanism.name);

  /** Mechanism and iterations per user, as describeUserScramCredentials shows them. */
  describe(users?: readonly string[]): Map<string, ScramCredentialInfo[]> {
    const result = new Map<string, ScramCredentialInfo[]>();
    for (const user of users ?? [...this.byUser.keys()].sort()) {
      const mechanisms = this.byUser.get(user);
      if (!mechanisms) continue;
      result.set(
        user,
        [...mechanisms.values()].map((credential) => ({
          mechanism: credential.mechanism.name,
          iterations: credential.iterations,
        })),
      );
    }
    return result;
  }
}
