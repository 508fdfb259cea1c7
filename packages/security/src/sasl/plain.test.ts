import type { AuthenticationError } from '@fjord/protocol/sasl';
import { formatPlainMessage, parsePlainMessage, SCRAM_SHA_256 } from '@fjord/protocol/sasl';
import { describe, expect, it } from 'vitest';
import { verifyPlainWithScramCredential } from './plain-verification.js';
import { createScramCredential } from './scram-credential.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('PLAIN (RFC 4616)', () => {
  it('round-trips a message with and without authzid', () => {
    expect(
      parsePlainMessage(
        formatPlainMessage({ authorizationId: '', username: 'tim', password: 'tanstaaftanstaaf' }),
      ),
    ).toEqual({
      authorizationId: '',
      username: 'tim',
      password: 'tanstaaftanstaaf',
    });
    expect(parsePlainMessage(bytes('tim\0tim\0pw')).username).toBe('tim');
  });

  it('refuses malformed messages with a reason that names the problem', () => {
    const cases: [Uint8Array, RegExp][] = [
      [bytes('tim\0pw'), /expected 3 NUL-separated fields, got 2/],
      [bytes('\0tim\0pw\0x'), /got 4/],
      [bytes('\0\0pw'), /empty username/],
      [bytes('\0tim\0'), /empty password/],
      [new Uint8Array([0, 0x74, 0, 0xff, 0xfe]), /not UTF-8/],
      [bytes(`\0${'u'.repeat(256)}\0pw`), /username longer than 255 bytes/],
      [bytes(`\0u\0${'p'.repeat(800)}`), /too long/],
      [bytes('admin\0tim\0pw'), /authorization id other than the username/],
    ];
    for (const [message, error] of cases) expect(() => parsePlainMessage(message)).toThrow(error);
  });

  it('verifies a PLAIN password against the stored SCRAM credential, same error for unknown and wrong', () => {
    const store = new Map([['tim', createScramCredential(SCRAM_SHA_256, 'tanstaaf')]]);
    const lookup = (name: string) => store.get(name);
    expect(verifyPlainWithScramCredential(lookup, SCRAM_SHA_256, 'tim', 'tanstaaf')).toBe('tim');
    const errors = [
      () => verifyPlainWithScramCredential(lookup, SCRAM_SHA_256, 'tim', 'wrong'),
      () => verifyPlainWithScramCredential(lookup, SCRAM_SHA_256, 'nobody', 'tanstaaf'),
    ].map((attempt) => {
      try {
        attempt();
      } catch (error) {
        return error as AuthenticationError;
      }
      throw new Error('expected a refusal');
    });
    expect(errors.map((e) => e.reason)).toEqual(['invalid-proof', 'unknown-user']);
    expect(new Set(errors.map((e) => e.message)).size).toBe(1);
    expect(errors[0]?.message).not.toContain('wrong');
  });
});
