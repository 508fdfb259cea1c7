import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { SessionTokens } from './session-tokens.js';
import { TokenError, type TokenRefusal } from './token-error.js';

const KEY_A = { id: 'a', secret: Buffer.alloc(32, 1) };
const KEY_B = { id: 'b', secret: Buffer.alloc(32, 2) };
const LIFETIME = 60_000;

function tokens(clock = new ManualClock(1_000_000)) {
  return { clock, tokens: new SessionTokens({ key: KEY_A, clock, lifetimeMs: LIFETIME, clockSkewMs: 1000 }) };
}

function refusal(action: () => unknown): TokenRefusal {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    return (error as TokenError).refusal;
  }
  throw new Error('expected the token to be refused');
}

/** Re-encodes a token's payload with `change` applied, keeping the original signature. */
function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [v, kid, payload, sig] = token.split('.') as [string, string, string, string];
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString());
  change(decoded);
  return [v, kid, Buffer.from(JSON.stringify(decoded)).toString('base64url'), sig].join('.');
}

describe('session tokens', () => {
  it('verifies a fresh token and returns its claims', () => {
    const { tokens: t } = tokens();
    const { token, claims } = t.issue('User:alice', 'conn-1');
    expect(t.verify(token, 'conn-1')).toEqual(claims);
    expect(claims).toMatchObject({
      principal: 'User:alice',
      issuedAt: 1_000_000,
      expiresAt: 1_060_000,
      connectionId: 'conn-1',
    });
    expect(t.issue('User:alice').claims.tokenId).not.toBe(claims.tokenId);
  });

  it('refuses an expired token from the instant of expiry', () => {
    const { tokens: t, clock } = tokens();
    const { token } = t.issue('User:alice');
    clock.advance(LIFETIME - 1);
    expect(t.verify(token).principal).toBe('User:alice');
    clock.advance(1);
    expect(refusal(() => t.verify(token))).toBe('expired');
  });

  it('refuses tampered principal, expiry or connection, and a forged signature', () => {
    const { tokens: t } = tokens();
    const { token } = t.issue('User:alice', 'conn-1');
    expect(
      refusal(() =>
        t.verify(
          tamper(token, (p) => {
            p.p = 'User:admin';
          }),
          'conn-1',
        ),
      ),
    ).toBe('bad-signature');
    expect(
      refusal(() =>
        t.verify(
          tamper(token, (p) => {
            p.exp = Number(p.exp) + 1e9;
          }),
          'conn-1',
        ),
      ),
    ).toBe('bad-signature');
    expect(
      refusal(() =>
        t.verify(
          tamper(token, (p) => {
            delete p.cid;
          }),
        ),
      ),
    ).toBe('bad-signature');
    const forged = new SessionTokens({
      key: { id: 'a', secret: Buffer.alloc(32, 9) },
      clock: new ManualClock(1_000_000),
    });
    expect(refusal(() => t.verify(forged.issue('User:admin', 'conn-1').token, 'conn-1'))).toBe(
      'bad-signature',
    );
    expect(refusal(() => t.verify(`${token.slice(0, -2)}xx`, 'conn-1'))).toBe('bad-signature');
  });

  it('refuses a token replayed on another connection, or where the connection is unknown', () => {
    const { tokens: t } = tokens();
    const { token } = t.issue('User:alice', 'conn-1');
    expect(refusal(() => t.verify(token, 'conn-2'))).toBe('wrong-connection');
    expect(refusal(() => t.verify(token))).toBe('wrong-connection');
  });

  it('refuses malformed tokens and unknown keys without echoing the token', () => {
    const { tokens: t } = tokens();
    for (const bad of ['', 'abc', 'fjt1.a.b', 'fjt2.a.b.c', `fjt1.a.${'x'.repeat(5000)}.c`]) {
      expect(
        refusal(() => t.verify(bad)),
        bad,
      ).toBe('malformed');
    }
    const other = new SessionTokens({ key: KEY_B, clock: new ManualClock(1_000_000) });
    const { token } = other.issue('User:alice');
    expect(refusal(() => t.verify(token))).toBe('unknown-key');
    try {
      t.verify(token);
    } catch (error) {
      expect((error as Error).message).not.toContain(token.split('.')[2] as string);
    }
  });

  it('refuses a token issued in the future beyond the allowed skew', () => {
    const { tokens: t, clock } = tokens();
    const ahead = new SessionTokens({
      key: KEY_A,
      clock: new ManualClock(clock.now() + 5000),
      lifetimeMs: LIFETIME,
    });
    expect(refusal(() => t.verify(ahead.issue('User:alice').token))).toBe('not-yet-valid');
    const slightlyAhead = new SessionTokens({
      key: KEY_A,
      clock: new ManualClock(clock.now() + 500),
      lifetimeMs: LIFETIME,
    });
    expect(t.verify(slightlyAhead.issue('User:alice').token).principal).toBe('User:alice');
  });

  it('accepts the previous key for one lifetime after a rotation, then refuses it', () => {
    const { tokens: t, clock } = tokens();
    const before = t.issue('User:alice').token;
    clock.advance(10_000);
    t.keys.rotate(KEY_B);
    const after = t.issue('User:alice').token;
    expect(after.split('.')[1]).toBe('b');
    expect(t.verify(before).principal).toBe('User:alice');
    clock.advance(LIFETIME - 1);
    expect(refusal(() => t.verify(before))).toBe('expired');
    // A token of the old key that is not itself expired is still refused once the key retired.
    const old = new SessionTokens({ key: KEY_A, clock, lifetimeMs: LIFETIME * 10 });
    const longLived = old.issue('User:alice').token;
    expect(t.verify(longLived).principal).toBe('User:alice');
    expect(t.verify(after).principal).toBe('User:alice');
    clock.advance(1);
    expect(refusal(() => t.verify(longLived))).toBe('unknown-key');
  });

  it('refuses weak keys and bad lifetimes with a clear error', () => {
    const clock = new ManualClock();
    expect(() => new SessionTokens({ key: { id: 'a', secret: Buffer.alloc(16) }, clock })).toThrow(
      /at least 32 bytes, got 16/,
    );
    expect(() => new SessionTokens({ key: { id: 'a.b', secret: Buffer.alloc(32) }, clock })).toThrow(
      /key id/,
    );
    expect(() => new SessionTokens({ key: KEY_A, clock, lifetimeMs: 0 })).toThrow(/positive/);
    expect(() => tokens().tokens.keys.rotate(KEY_A)).toThrow(/new id/);
  });
});
