import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.js';
import { TokenError } from './token-error.js';
import { TokenKeyRing, type TokenSigningKey } from './token-keys.js';

/** How long a session token lives unless configured otherwise. */
export const DEFAULT_SESSION_TOKEN_LIFETIME_MS = 10 * 60_000;

/** How far in the future an issue time may lie before the token is refused (clock skew between nodes). */
export const DEFAULT_TOKEN_CLOCK_SKEW_MS = 30_000;

const VERSION = 'fjt1';

/** What a session token asserts. */
export interface SessionTokenClaims {
  /** The authenticated principal, `User:alice`. */
  readonly principal: string;
  /** Issue time, ms since the epoch. */
  readonly issuedAt: number;
  /** Expiry, ms since the epoch; the token is refused from this instant on. */
  readonly expiresAt: number;
  /** A unique id, for logs and for revocation lists. */
  readonly tokenId: string;
  /** The connection the token was issued on, when it is bound to one. */
  readonly connectionId?: string;
}

/** Options of {@link SessionTokens}. */
export interface SessionTokensOptions {
  readonly key: TokenSigningKey;
  readonly clock: Clock;
  readonly lifetimeMs?: number;
  readonly clockSkewMs?: number;
}

interface WirePayload {
  p: string;
  iat: number;
  exp: number;
  jti: string;
  cid?: string;
}

/**
 * Issues and verifies the short-lived session token a client gets after a successful SASL
 * exchange and sends with every call. A token is `fjt1.<key id>.<payload>.<HMAC-SHA-256>`, with
 * the payload base64url JSON; the signature covers everything before it. Verification refuses a
 * malformed token, an unknown or retired key, a bad signature (compared in constant time), an
 * expired token, one issued in the future, and a token bound to another connection.
 */
export class SessionTokens {
  /** The node's keys; rotate with `keys.rotate(...)`. */
  readonly keys: TokenKeyRing;
  private readonly clock: Clock;
  private readonly lifetimeMs: number;
  private readonly clockSkewMs: number;

  constructor(options: SessionTokensOptions) {
    this.clock = options.clock;
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_SESSION_TOKEN_LIFETIME_MS;
    this.clockSkewMs = options.clockSkewMs ?? DEFAULT_TOKEN_CLOCK_SKEW_MS;
    if (!Number.isSafeInteger(this.lifetimeMs) || this.lifetimeMs <= 0) {
      throw new Error(`a token lifetime is a positive number of ms, got ${this.lifetimeMs}`);
    }
    this.keys = new TokenKeyRing(options.key, this.clock, this.lifetimeMs);
  }

  /** A new token for `principal`, bound to `connectionId` when one is given. */
  issue(principal: string, connectionId?: string): { token: string; claims: SessionTokenClaims } {
    const issuedAt = this.clock.now();
    const claims: SessionTokenClaims = {
      principal,
      issuedAt,
      expiresAt: issuedAt + this.lifetimeMs,
      tokenId: randomUUID(),
      ...(connectionId === undefined ? {} : { connectionId }),
    };
    const payload: WirePayload = {
      p: principal,
      iat: claims.issuedAt,
      exp: claims.expiresAt,
      jti: claims.tokenId,
    };
    if (connectionId !== undefined) payload.cid = connectionId;
    const key = this.keys.signingKey();
    const signed = `${VERSION}.${key.id}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return { token: `${signed}.${sign(key.secret, signed)}`, claims };
  }

  /**
   * The claims of a valid token; throws {@link TokenError} otherwise. `connectionId` is the
   * connection the token arrived on: a token bound to another one, or bound while the caller
   * cannot name its connection, is refused.
   */
  verify(token: string, connectionId?: string): SessionTokenClaims {
    const parts = token.length <= 4096 ? token.split('.') : [];
    if (parts.length !== 4 || parts[0] !== VERSION) throw new TokenError('malformed');
    const [, keyId, payloadText, signature] = parts as [string, string, string, string];
    const secret = this.keys.verificationSecret(keyId);
    if (!secret) throw new TokenError('unknown-key');
    const expected = Buffer.from(sign(secret, `${VERSION}.${keyId}.${payloadText}`), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new TokenError('bad-signature');
    const payload = parsePayload(payloadText);
    const now = this.clock.now();
    if (now >= payload.exp) throw new TokenError('expired');
    if (payload.iat > now + this.clockSkewMs) throw new TokenError('not-yet-valid');
    if (payload.cid !== undefined && payload.cid !== connectionId) throw new TokenError('wrong-connection');
    return {
      principal: payload.p,
      issuedAt: payload.iat,
      expiresAt: payload.exp,
      tokenId: payload.jti,
      ...(payload.cid === undefined ? {} : { connectionId: payload.cid }),
    };
  }
}

function sign(secret: Uint8Array, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

function parsePayload(text: string): WirePayload {
  // Only reached with a valid signature, so a bad payload means a bug on the issuing side.
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed');
  }
  const payload = value as Partial<WirePayload> | null;
  if (
    typeof payload !== 'object' ||
    payload === null ||
    typeof payload.p !== 'string' ||
    typeof payload.iat !== 'number' ||
    typeof payload.exp !== 'number' ||
    typeof payload.jti !== 'string' ||
    (payload.cid !== undefined && typeof payload.cid !== 'string')
  ) {
    throw new TokenError('malformed');
  }
  return payload as WirePayload;
}
