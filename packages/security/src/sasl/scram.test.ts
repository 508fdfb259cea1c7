import {
  AuthenticationError,
  deriveScramKeys,
  escapeSaslName,
  hmac,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramClient,
  type ScramMechanism,
  scramMechanism,
  unescapeSaslName,
  xor,
} from '@fjord/protocol/sasl';
import { describe, expect, it } from 'vitest';
import { createScramCredential, type ScramCredential } from './scram-credential.js';
import { ScramServer } from './scram-server.js';

const SECRET = Buffer.alloc(32, 7);
const SCRAM_SHA_1: ScramMechanism = { name: 'SCRAM-SHA-1', hash: 'sha1', keyLength: 20 };

function serverFor(
  credentials: Record<string, ScramCredential>,
  mechanism: ScramMechanism,
  serverNonce?: string,
): ScramServer {
  return new ScramServer(mechanism, {
    lookup: (username, m) => (m.name === mechanism.name ? credentials[username] : undefined),
    unknownUserSecret: SECRET,
    ...(serverNonce === undefined ? {} : { serverNonce }),
  });
}

/** Runs a whole exchange and returns the server-final message the client verified. */
function exchange(client: ScramClient, server: ScramServer): string {
  const serverFirst = server.handleClientFirst(client.firstMessage());
  const serverFinal = server.handleClientFinal(client.finalMessage(serverFirst));
  client.verifyServerFinal(serverFinal);
  return serverFinal;
}

function expectAuthFailure(action: () => unknown, reason: string): AuthenticationError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).reason).toBe(reason);
    expect((error as AuthenticationError).retriable).toBe(false);
    return error as AuthenticationError;
  }
  throw new Error('expected an AuthenticationError');
}

describe('published test vectors', () => {
  it('reproduces RFC 7677 §3 (SCRAM-SHA-256) message by message', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const credential = createScramCredential(SCRAM_SHA_256, 'pencil', { salt, iterations: 4096 });
    const client = new ScramClient(SCRAM_SHA_256, {
      username: 'user',
      password: 'pencil',
      clientNonce: 'rOprNGfwEbeRWgbNEkqO',
    });
    const server = serverFor({ user: credential }, SCRAM_SHA_256, '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    const clientFirst = client.firstMessage();
    expect(clientFirst).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const serverFirst = server.handleClientFirst(clientFirst);
    expect(serverFirst).toBe(
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    );
    const clientFinal = client.finalMessage(serverFirst);
    expect(clientFinal).toBe(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    const serverFinal = server.handleClientFinal(clientFinal);
    expect(serverFinal).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    client.verifyServerFinal(serverFinal);
    expect(client.isComplete).toBe(true);
    expect(server.username).toBe('user');
  });

  it('reproduces RFC 5802 §5 (SCRAM-SHA-1) with the same derivation code', () => {
    const salt = Buffer.from('QSXCR+Q6sek8bf92', 'base64');
    const client = new ScramClient(SCRAM_SHA_1, {
      username: 'user',
      password: 'pencil',
      clientNonce: 'fyko+d2lbbFgONRv9qkxdawL',
    });
    const server = serverFor(
      { user: createScramCredential(SCRAM_SHA_1, 'pencil', { salt, iterations: 4096 }) },
      SCRAM_SHA_1,
      '3rfcNHYJY1ZVvWVs7j',
    );
    const serverFirst = server.handleClientFirst(client.firstMessage());
    expect(serverFirst).toBe('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096');
    const clientFinal = client.finalMessage(serverFirst);
    expect(clientFinal).toBe(
      'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
    );
    expect(server.handleClientFinal(clientFinal)).toBe('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');
  });
});

describe('salted credentials', () => {
  it('stores StoredKey and ServerKey, never the password', () => {
    const credential = createScramCredential(SCRAM_SHA_512, 'correct horse');
    const keys = deriveScramKeys(SCRAM_SHA_512, 'correct horse', credential.salt, credential.iterations);
    expect(credential.storedKey.equals(keys.storedKey)).toBe(true);
    expect(credential.serverKey.equals(keys.serverKey)).toBe(true);
    expect(credential.storedKey).toHaveLength(64);
    expect(JSON.stringify(credential)).not.toContain('correct horse');
    expect(Object.keys(credential).sort()).toEqual([
      'iterations',
      'mechanism',
      'salt',
      'serverKey',
      'storedKey',
    ]);
  });

  it('gives two users with the same password different credentials (random salt)', () => {
    const a = createScramCredential(SCRAM_SHA_256, 'same');
    const b = createScramCredential(SCRAM_SHA_256, 'same');
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.storedKey.equals(b.storedKey)).toBe(false);
  });

  it('refuses fewer than 4096 or more than 16384 iterations, as Kafka does', () => {
    expect(() => createScramCredential(SCRAM_SHA_256, 'p', { iterations: 4095 })).toThrow(
      /from 4096 to 16384, got 4095/,
    );
    expect(() => createScramCredential(SCRAM_SHA_256, 'p', { iterations: 16_385 })).toThrow(/got 16385/);
    expect(() => createScramCredential(SCRAM_SHA_256, '')).toThrow(/must not be empty/);
  });

  it('looks mechanisms up by wire name, naming the choices otherwise', () => {
    expect(scramMechanism('scram-sha-512')).toBe(SCRAM_SHA_512);
    expect(() => scramMechanism('SCRAM-SHA-1')).toThrow(/expected one of SCRAM-SHA-256, SCRAM-SHA-512/);
  });
});

describe.each([SCRAM_SHA_256, SCRAM_SHA_512])('$name exchange', (mechanism) => {
  const alice = createScramCredential(mechanism, 'alice-secret');

  it('authenticates the right password and both sides agree', () => {
    const server = serverFor({ alice }, mechanism);
    const client = new ScramClient(mechanism, { username: 'alice', password: 'alice-secret' });
    expect(exchange(client, server)).toMatch(/^v=/);
    expect(server.username).toBe('alice');
  });

  it('refuses a wrong password with the generic message', () => {
    const server = serverFor({ alice }, mechanism);
    const client = new ScramClient(mechanism, { username: 'alice', password: 'guess' });
    const serverFirst = server.handleClientFirst(client.firstMessage());
    const error = expectAuthFailure(
      () => server.handleClientFinal(client.finalMessage(serverFirst)),
      'invalid-proof',
    );
    expect(error.message).toBe(`authentication failed: invalid credentials (${mechanism.name})`);
    expect(server.username).toBeUndefined();
  });

  it('answers an unknown user like a known one and fails it with the same message', () => {
    const server = serverFor({ alice }, mechanism);
    const client = new ScramClient(mechanism, { username: 'mallory', password: 'alice-secret' });
    const serverFirst = server.handleClientFirst(client.firstMessage());
    expect(serverFirst).toMatch(/^r=[^,]+,s=[A-Za-z0-9+/=]{44},i=4096$/);
    // The same unknown name gets the same salt on every attempt, like a stored credential would.
    const again = serverFor({ alice }, mechanism).handleClientFirst(
      new ScramClient(mechanism, { username: 'mallory', password: 'x' }).firstMessage(),
    );
    expect(again.split(',')[1]).toBe(serverFirst.split(',')[1]);
    const error = expectAuthFailure(
      () => server.handleClientFinal(client.finalMessage(serverFirst)),
      'unknown-user',
    );
    expect(error.message).toBe(`authentication failed: invalid credentials (${mechanism.name})`);
  });

  it("accepts librdkafka's client-final, whose nonce repeats the client nonce in front (as Kafka does), and nothing longer", () => {
    // librdkafka builds r= as its client nonce + the server-first nonce (which starts with it).
    const librdkafkaFinal = (server: ScramServer, clientNonce: string, extra = ''): string => {
      const bare = `n=alice,r=${clientNonce}`;
      const serverFirst = server.handleClientFirst(`n,,${bare}`);
      const serverNonce = /r=([^,]+)/.exec(serverFirst)![1]!;
      const salt = Buffer.from(/s=([^,]+)/.exec(serverFirst)![1]!, 'base64');
      const iterations = Number(/i=(\d+)/.exec(serverFirst)![1]);
      const withoutProof = `c=biws,r=${extra}${clientNonce}${serverNonce}`;
      const keys = deriveScramKeys(mechanism, 'alice-secret', salt, iterations);
      const signature = hmac(mechanism, keys.storedKey, `${bare},${serverFirst},${withoutProof}`);
      return `${withoutProof},p=${Buffer.from(xor(keys.clientKey, signature)).toString('base64')}`;
    };
    const server = serverFor({ alice }, mechanism);
    expect(server.handleClientFinal(librdkafkaFinal(server, 'K|WApTeL-w5=6F?PCTZ1'))).toMatch(/^v=/);
    expect(server.username).toBe('alice');
    // A nonce with anything else in front (Kafka's endsWith would take it) is refused.
    const strict = serverFor({ alice }, mechanism);
    expectAuthFailure(() => strict.handleClientFinal(librdkafkaFinal(strict, 'abc', 'x')), 'nonce-mismatch');
  });

  it('refuses a client-final message replayed into a new exchange (new server nonce)', () => {
    const first = serverFor({ alice }, mechanism);
    const client = new ScramClient(mechanism, {
      username: 'alice',
      password: 'alice-secret',
      clientNonce: 'fixed',
    });
    const clientFirst = client.firstMessage();
    const recorded = client.finalMessage(first.handleClientFirst(clientFirst));
    first.handleClientFinal(recorded);
    const second = serverFor({ alice }, mechanism);
    second.handleClientFirst(clientFirst);
    expectAuthFailure(() => second.handleClientFinal(recorded), 'nonce-mismatch');
  });

  it('refuses a modified proof, nonce or channel binding', () => {
    const tamperings: [string, (final: string) => string][] = [
      ['invalid-proof', (f) => f.replace(/p=(.)/, (_m, c: string) => `p=${c === 'A' ? 'B' : 'A'}`)],
      ['nonce-mismatch', (f) => f.replace(/,r=([^,]+)/, ',r=$1x')],
      ['channel-binding-mismatch', (f) => f.replace('c=biws', `c=${Buffer.from('y,,').toString('base64')}`)],
      ['invalid-proof', (f) => f.replace(/p=.*$/, 'p=AAAA')],
    ];
    for (const [reason, tamper] of tamperings) {
      const server = serverFor({ alice }, mechanism);
      const client = new ScramClient(mechanism, { username: 'alice', password: 'alice-secret' });
      const final = client.finalMessage(server.handleClientFirst(client.firstMessage()));
      expectAuthFailure(() => server.handleClientFinal(tamper(final)), reason);
    }
  });

  it('lets the client detect a server that does not hold the credential or altered server-first', () => {
    const impostor = serverFor(
      { alice: createScramCredential(mechanism, 'other', { salt: alice.salt }) },
      mechanism,
    );
    const client = new ScramClient(mechanism, { username: 'alice', password: 'alice-secret' });
    const serverFirst = impostor.handleClientFirst(client.firstMessage());
    client.finalMessage(serverFirst);
    // The impostor cannot verify the proof; a forged v= is rejected by the client.
    expectAuthFailure(
      () => client.verifyServerFinal(`v=${Buffer.alloc(mechanism.keyLength).toString('base64')}`),
      'invalid-server-signature',
    );

    const honest = serverFor({ alice }, mechanism);
    const victim = new ScramClient(mechanism, { username: 'alice', password: 'alice-secret' });
    const realFirst = honest.handleClientFirst(victim.firstMessage());
    // A man in the middle lowering nothing but changing the salt makes the proofs disagree.
    const altered = realFirst.replace(/s=[^,]+/, `s=${Buffer.alloc(16, 1).toString('base64')}`);
    expectAuthFailure(() => honest.handleClientFinal(victim.finalMessage(altered)), 'invalid-proof');
  });

  it('client refuses too few or too many iterations and a nonce that does not extend its own', () => {
    const cases: [string, string][] = [
      ['i=4095', 'iteration-count-out-of-range'],
      ['i=1000000', 'iteration-count-out-of-range'],
      ['nonce', 'nonce-mismatch'],
    ];
    for (const [change, reason] of cases) {
      const client = new ScramClient(mechanism, { username: 'alice', password: 'p', clientNonce: 'abc' });
      client.firstMessage();
      const serverFirst =
        change === 'nonce' ? 'r=zzzdef,s=QSXCR+Q6sek8bf92,i=4096' : `r=abcdef,s=QSXCR+Q6sek8bf92,${change}`;
      expectAuthFailure(() => client.finalMessage(serverFirst), reason);
    }
  });

  it('server refuses to use a stored credential with fewer than 4096 iterations', () => {
    const weak: ScramCredential = { ...alice, iterations: 1000 };
    const server = serverFor({ alice: weak }, mechanism);
    const client = new ScramClient(mechanism, { username: 'alice', password: 'alice-secret' });
    expectAuthFailure(() => server.handleClientFirst(client.firstMessage()), 'iteration-count-out-of-range');
  });

  it('client treats e= from the server as a failure', () => {
    const server = serverFor({ alice }, mechanism);
    const client = new ScramClient(mechanism, { username: 'alice', password: 'alice-secret' });
    client.finalMessage(server.handleClientFirst(client.firstMessage()));
    expectAuthFailure(() => client.verifyServerFinal('e=invalid-proof'), 'server-error');
  });

  it('refuses steps out of order and malformed messages', () => {
    const server = serverFor({ alice }, mechanism);
    expectAuthFailure(() => server.handleClientFinal('c=biws,r=x,p=AAAA'), 'unexpected-message');
    for (const bad of [
      '',
      'n=alice,r=x',
      'n,,r=x,n=alice',
      'p=tls-unique,,n=alice,r=x',
      'n,,m=ext,n=alice,r=x',
      'n,,n=a=,r=x',
    ]) {
      expect(() => serverFor({ alice }, mechanism).handleClientFirst(bad), bad).toThrow(AuthenticationError);
    }
    expect(() =>
      serverFor({ alice }, mechanism).handleClientFirst(`n,,n=alice,r=${'x'.repeat(5000)}`),
    ).toThrow(/longer than 4096/);
    const other = serverFor({ alice }, mechanism);
    expectAuthFailure(() => other.handleClientFirst('n,a=bob,n=alice,r=abc'), 'unsupported-feature');
  });
});

describe('saslname escaping (RFC 5802 §5.1, as Kafka does it)', () => {
  it('escapes = and , and round-trips', () => {
    expect(escapeSaslName('a,b=c')).toBe('a=2Cb=3Dc');
    expect(unescapeSaslName('a=2Cb=3Dc')).toBe('a,b=c');
    expect(unescapeSaslName(escapeSaslName('=2C,'))).toBe('=2C,');
  });

  it('refuses a stray = or a raw comma', () => {
    for (const bad of ['a=', 'a=2X', 'a,b', '=3d'])
      expect(() => unescapeSaslName(bad), bad).toThrow(AuthenticationError);
  });

  it('authenticates a username that needs escaping', () => {
    const mechanism = SCRAM_SHA_256;
    const server = serverFor({ 'o,dd=name': createScramCredential(mechanism, 'pw') }, mechanism);
    const client = new ScramClient(mechanism, { username: 'o,dd=name', password: 'pw' });
    exchange(client, server);
    expect(server.username).toBe('o,dd=name');
  });
});
