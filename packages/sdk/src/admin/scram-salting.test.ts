import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { saltPassword, scramMechanismName } from './scram-salting.js';

describe('saltPassword', () => {
  it("is RFC 7677's Hi(): its test vector's ClientProof follows from our salted password", () => {
    // RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const { saltedPassword } = saltPassword('scram-sha-256', 'pencil', 4096, salt);
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,' +
      's=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
    const storedKey = createHash('sha256').update(clientKey).digest();
    const signature = createHmac('sha256', storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] as number)));
    expect(proof.toString('base64')).toBe('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
  });

  it('draws a fresh 32-byte salt each time and sizes the key by the mechanism', () => {
    const a = saltPassword('scram-sha-512', 'secret', 4096);
    const b = saltPassword('scram-sha-512', 'secret', 4096);
    expect(a.salt).toHaveLength(32);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.saltedPassword).toHaveLength(64);
    expect(a.saltedPassword.equals(b.saltedPassword)).toBe(false);
  });

  it('reads mechanism names in either case', () => {
    expect(scramMechanismName('SCRAM-SHA-256')).toBe('scram-sha-256');
    expect(scramMechanismName(' scram-sha-512 ')).toBe('scram-sha-512');
    expect(scramMechanismName('plain')).toBeUndefined();
    expect(scramMechanismName(256)).toBeUndefined();
  });
});
