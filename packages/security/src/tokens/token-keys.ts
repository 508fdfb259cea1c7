import type { Clock } from './clock.js';

/** An HMAC key with the id that tokens carry so the verifier knows which key to use. */
export interface TokenSigningKey {
  readonly id: string;
  readonly secret: Uint8Array;
}

/** Shortest secret accepted: the HMAC-SHA-256 output length. */
export const MIN_TOKEN_SECRET_BYTES = 32;

interface RetiredKey {
  readonly key: TokenSigningKey;
  readonly acceptedUntil: number;
}

function checkKey(key: TokenSigningKey): TokenSigningKey {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(key.id)) {
    throw new Error(`a token key id is 1-64 characters of [A-Za-z0-9_-], got '${key.id}'`);
  }
  if (key.secret.length < MIN_TOKEN_SECRET_BYTES) {
    throw new Error(
      `a token key secret needs at least ${MIN_TOKEN_SECRET_BYTES} bytes, got ${key.secret.length}`,
    );
  }
  return { id: key.id, secret: Uint8Array.from(key.secret) };
}

/**
 * The node's token keys: one current key that signs, and after a rotation the previous key,
 * still accepted for one token lifetime so that tokens issued just before the rotation stay
 * valid until they expire on their own.
 */
export class TokenKeyRing {
  private current: TokenSigningKey;
  private previous: RetiredKey | undefined;

  constructor(
    initial: TokenSigningKey,
    private readonly clock: Clock,
    private readonly tokenLifetimeMs: number,
  ) {
    this.current = checkKey(initial);
  }

  /** The key new tokens are signed with. */
  signingKey(): TokenSigningKey {
    return this.current;
  }

  /** Makes `next` the signing key; the current one is accepted for one more token lifetime. */
  rotate(next: TokenSigningKey): void {
    const checked = checkKey(next);
    if (checked.id === this.current.id)
      throw new Error(`the new token key must have a new id, '${next.id}' is in use`);
    this.previous = { key: this.current, acceptedUntil: this.clock.now() + this.tokenLifetimeMs };
    this.current = checked;
  }

  /** The secret for key `id` if it is still accepted. */
  verificationSecret(id: string): Uint8Array | undefined {
    if (id === this.current.id) return this.current.secret;
    if (this.previous && id === this.previous.key.id && this.clock.now() < this.previous.acceptedUntil) {
      return this.previous.key.secret;
    }
    return undefined;
  }
}
