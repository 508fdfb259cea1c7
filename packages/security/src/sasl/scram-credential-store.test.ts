import { SCRAM_SHA_256, SCRAM_SHA_512, ScramClient } from '@fjord/protocol/sasl';
import { describe, expect, it } from 'vitest';
import { createScramCredential } from './scram-credential.js';
import {
  fromScramCredentialRecord,
  ScramCredentialStore,
  toScramCredentialRecord,
} from './scram-credential-store.js';
import { ScramServer } from './scram-server.js';

describe('SCRAM credential records and store', () => {
  it('round-trips a credential through its record, which holds no password', () => {
    const credential = createScramCredential(SCRAM_SHA_512, 'hunter2-long', { iterations: 8192 });
    const record = toScramCredentialRecord('alice', credential);
    expect(JSON.stringify(record)).not.toContain('hunter2');
    expect(fromScramCredentialRecord(JSON.parse(JSON.stringify(record)))).toEqual(credential);
  });

  it('refuses a damaged record naming the field', () => {
    const record = toScramCredentialRecord('alice', createScramCredential(SCRAM_SHA_256, 'pw'));
    expect(() => fromScramCredentialRecord({ ...record, mechanism: 'SCRAM-SHA-1' })).toThrow(
      /unknown SCRAM mechanism/,
    );
    expect(() => fromScramCredentialRecord({ ...record, iterations: 10 })).toThrow(
      /iterations must be 4096..16384, got 10/,
    );
    expect(() => fromScramCredentialRecord({ ...record, storedKey: 'AAAA' })).toThrow(
      /storedKey must be base64 of 32 bytes/,
    );
    expect(() => fromScramCredentialRecord({ ...record, salt: '***' })).toThrow(/salt must be base64/);
  });

  it('serves a ScramServer, describes without keys, and forgets deleted credentials', () => {
    const store = new ScramCredentialStore();
    store.set('alice', createScramCredential(SCRAM_SHA_256, 'pw'));
    store.set('alice', createScramCredential(SCRAM_SHA_512, 'pw', { iterations: 8192 }));
    store.set('bob', createScramCredential(SCRAM_SHA_256, 'pw2'));
    const login = (user: string, password: string) => {
      const server = new ScramServer(SCRAM_SHA_256, {
        lookup: store.lookup,
        unknownUserSecret: Buffer.alloc(32, 3),
      });
      const client = new ScramClient(SCRAM_SHA_256, { username: user, password });
      try {
        client.verifyServerFinal(
          server.handleClientFinal(client.finalMessage(server.handleClientFirst(client.firstMessage()))),
        );
        return server.username;
      } catch {
        return undefined;
      }
    };
    expect(login('alice', 'pw')).toBe('alice');
    expect(store.describe()).toEqual(
      new Map([
        [
          'alice',
          [
            { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
            { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
          ],
        ],
        ['bob', [{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }]],
      ]),
    );
    expect(store.delete('alice', SCRAM_SHA_256)).toBe(true);
    expect(store.delete('alice', SCRAM_SHA_256)).toBe(false);
    expect(login('alice', 'pw')).toBeUndefined();
    expect(store.describe(['alice', 'nobody'])).toEqual(
      new Map([['alice', [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }]]]),
    );
  });
});
