import {
  AuthenticationError,
  formatPlainMessage,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramClient,
} from '@fjord/protocol/sasl';
import { describe, expect, it } from 'vitest';
import { createScramCredential } from '../sasl/scram-credential.js';
import { ScramCredentialStore } from '../sasl/scram-credential-store.js';
import { ManualClock } from '../tokens/clock.js';
import { SessionTokens } from '../tokens/session-tokens.js';
import { SaslSession, type SaslSessionOptions, UnsupportedSaslMechanismError } from './sasl-session.js';

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function setup(overrides: Partial<SaslSessionOptions> = {}) {
  const store = new ScramCredentialStore();
  store.set('alice', createScramCredential(SCRAM_SHA_256, 'alice-pw'));
  store.set('alice', createScramCredential(SCRAM_SHA_512, 'alice-pw'));
  const tokens = new SessionTokens({
    key: { id: 'k1', secret: Buffer.alloc(32, 5) },
    clock: new ManualClock(1000),
  });
  const options: SaslSessionOptions = {
    lookup: store.lookup,
    unknownUserSecret: Buffer.alloc(32, 6),
    tokens,
    connectionId: 'conn-7',
    ...overrides,
  };
  return { tokens, options };
}

describe('SaslSession', () => {
  it.each([SCRAM_SHA_256, SCRAM_SHA_512])(
    'logs in with $name and issues a token bound to the connection',
    (mechanism) => {
      const { tokens, options } = setup();
      const session = new SaslSession(mechanism.name, options);
      const client = new ScramClient(mechanism, { username: 'alice', password: 'alice-pw' });
      const first = session.step(encode(client.firstMessage()));
      expect(first.done).toBe(false);
      const final = session.step(encode(client.finalMessage(decode(first.challenge))));
      if (!final.done) throw new Error('expected the exchange to finish');
      client.verifyServerFinal(decode(final.challenge));
      expect(final.principal).toEqual({ principalType: 'User', name: 'alice' });
      expect(tokens.verify(final.token, 'conn-7').principal).toBe('User:alice');
      expect(() => tokens.verify(final.token, 'conn-8')).toThrow(/another connection/);
      expect(() => session.step(encode('again'))).toThrow(/exchange is over/);
    },
  );

  it('fails a wrong password and ends the session', () => {
    const { options } = setup();
    const session = new SaslSession('SCRAM-SHA-256', options);
    const client = new ScramClient(SCRAM_SHA_256, { username: 'alice', password: 'nope' });
    const first = session.step(encode(client.firstMessage()));
    expect(() => session.step(encode(client.finalMessage(decode(first.challenge))))).toThrow(
      AuthenticationError,
    );
    expect(() => session.step(encode('x'))).toThrow(/exchange is over/);
  });

  it('offers PLAIN only when enabled, and checks it against the stored credential', () => {
    const { options } = setup();
    expect(() => new SaslSession('PLAIN', options)).toThrow(UnsupportedSaslMechanismError);
    expect(() => new SaslSession('GSSAPI', options)).toThrow(
      "SASL mechanism 'GSSAPI' is not enabled; enabled: SCRAM-SHA-256, SCRAM-SHA-512",
    );
    const plainOptions = { ...options, enabledMechanisms: ['SCRAM-SHA-512', 'PLAIN'] as const };
    const ok = new SaslSession('PLAIN', plainOptions).step(
      formatPlainMessage({ authorizationId: '', username: 'alice', password: 'alice-pw' }),
    );
    expect(ok).toMatchObject({ done: true, principal: { name: 'alice' } });
    const { options: only256 } = setup();
    const store = new ScramCredentialStore();
    store.set('bob', createScramCredential(SCRAM_SHA_256, 'bob-pw'));
    const bob = new SaslSession('PLAIN', { ...only256, lookup: store.lookup, enabledMechanisms: ['PLAIN'] });
    expect(
      bob.step(formatPlainMessage({ authorizationId: '', username: 'bob', password: 'bob-pw' })),
    ).toMatchObject({ done: true });
    expect(() =>
      new SaslSession('PLAIN', plainOptions).step(
        formatPlainMessage({ authorizationId: '', username: 'alice', password: 'wrong' }),
      ),
    ).toThrow('authentication failed: invalid credentials (PLAIN)');
  });

  it('refuses a message that is not UTF-8 as malformed', () => {
    const { options } = setup();
    const session = new SaslSession('SCRAM-SHA-256', options);
    expect(() => session.step(new Uint8Array([0xff, 0xfe]))).toThrow(/malformed SASL message/);
  });
});
