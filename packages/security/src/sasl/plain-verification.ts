import {
  AuthenticationError,
  constantTimeEqual,
  DEFAULT_SCRAM_ITERATIONS,
  deriveScramKeys,
  type ScramMechanism,
} from '@fjord/protocol/sasl';
import type { ScramCredentialLookup } from './scram-server.js';

const UNKNOWN_USER_SALT = Buffer.alloc(32);

/**
 * Checks a PLAIN login against the user's stored SCRAM credential, so that offering PLAIN (over
 * TLS) needs no second, password-bearing store: the password is salted and hashed the same way
 * and compared in constant time with StoredKey. Returns the username; throws the same
 * {@link AuthenticationError} for an unknown user and a wrong password.
 */
export function verifyPlainWithScramCredential(
  lookup: ScramCredentialLookup,
  mechanism: ScramMechanism,
  username: string,
  password: string,
): string {
  const credential = lookup(username, mechanism);
  const message = 'authentication failed: invalid credentials (PLAIN)';
  // An unknown user costs the same PBKDF2 work as a known one, so timing does not tell them apart.
  const salt = credential?.salt ?? UNKNOWN_USER_SALT;
  const { storedKey } = deriveScramKeys(
    mechanism,
    password,
    salt,
    credential?.iterations ?? DEFAULT_SCRAM_ITERATIONS,
  );
  if (!credential) throw new AuthenticationError(message, 'unknown-user');
  if (!constantTimeEqual(storedKey, credential.storedKey))
    throw new AuthenticationError(message, 'invalid-proof');
  return username;
}
