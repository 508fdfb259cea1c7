import { describe, expect, it } from 'vitest';
import type { Cluster } from '../cluster/metadata.js';
import { InvalidArgumentError } from '../errors.js';
import { checkAlterations, SecurityAdmin, type UserScramCredentialAlteration } from './security-admin.js';

// Every case here must fail before a request is sent: a cluster that is called fails the test.
const unreachable = {
  coordinator: () => {
    throw new Error('no request may be sent for invalid input');
  },
} as unknown as Cluster;
const admin = new SecurityAdmin(unreachable, (call) => call());

describe('SecurityAdmin input checks', () => {
  it('createAcls refuses an empty or missing list and names each bad entry', async () => {
    await expect(admin.createAcls({ acl: [] })).rejects.toThrow(InvalidArgumentError);
    await expect(admin.createAcls(undefined as never)).rejects.toThrow(/expected \{ acl: \[\.\.\.\] \}/);
    await expect(
      admin.createAcls({
        acl: [
          {
            resourceType: 'TOPIC',
            resourceName: 'a',
            principal: 'User:a',
            operation: 'READ',
            permissionType: 'ALLOW',
          },
          {
            resourceType: 'TOPIC',
            resourceName: 'b',
            principal: 'bob',
            operation: 'READ',
            permissionType: 'MAYBE',
          },
        ] as never,
      }),
    ).rejects.toThrow(
      'createAcls: acl[1]: permissionType "MAYBE" is not one of DENY (2), ALLOW (3); acl[1]: principal "bob" is not "Type:name"',
    );
  });

  it('describeAcls and deleteAcls refuse bad filters', async () => {
    await expect(admin.describeAcls({ operation: 'FLY' as never })).rejects.toThrow(
      /describeAcls: filter: operation "FLY"/,
    );
    await expect(admin.deleteAcls({ filters: [] })).rejects.toThrow(/at least one filter/);
    await expect(admin.deleteAcls({ filters: [{}, { resourcePatternType: 'MATCH' }] })).rejects.toThrow(
      'deleteAcls: filters[1]: resourcePatternType MATCH needs a resourceName',
    );
  });

  it('describeUserScramCredentials refuses names that are not strings', async () => {
    await expect(admin.describeUserScramCredentials(['alice', ''])).rejects.toThrow(/non-empty strings/);
  });
});

describe('checkAlterations', () => {
  it('defaults to 4096 iterations and normalises the mechanism', () => {
    expect(
      checkAlterations([
        { operation: 'upsert', user: 'alice', mechanism: 'SCRAM-SHA-512', password: 'p' },
        { operation: 'delete', user: 'bob', mechanism: 'scram-sha-256' },
      ]),
    ).toEqual([
      { operation: 'upsert', user: 'alice', mechanism: 'scram-sha-512', password: 'p', iterations: 4096 },
      { operation: 'delete', user: 'bob', mechanism: 'scram-sha-256' },
    ]);
  });

  it('names every problem and never quotes the password', () => {
    const secret = 'hunter2-do-not-print';
    const bad = [
      { operation: 'upsert', user: '', mechanism: 'scram-sha-1', password: secret },
      { operation: 'upsert', user: 'a', mechanism: 'scram-sha-256', password: '', iterations: 1000 },
      { operation: 'upsert', user: 'c', mechanism: 'scram-sha-256', password: secret, iterations: 20_000 },
      { operation: 'delete', user: 'c', mechanism: 'SCRAM-SHA-256' },
      { operation: 'rename', user: 'd', mechanism: 'scram-sha-256' },
    ] as unknown as UserScramCredentialAlteration[];
    let message = '';
    try {
      checkAlterations(bad);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArgumentError);
      message = (error as Error).message;
    }
    expect(message.split('; ')).toEqual([
      'alterUserScramCredentials: alterations[0]: user must be a non-empty string',
      'alterations[0]: mechanism "scram-sha-1" is not one of scram-sha-256, scram-sha-512',
      'alterations[1]: password must be a non-empty string',
      'alterations[1]: iterations must be an integer from 4096 to 16384',
      'alterations[2]: iterations must be an integer from 4096 to 16384',
      'alterations[3]: user "c" and scram-sha-256 are altered twice',
      "alterations[4]: operation must be 'upsert' or 'delete', not \"rename\"",
    ]);
    expect(message).not.toContain(secret);
  });

  it('refuses an empty list', () => {
    expect(() => checkAlterations([])).toThrow(/non-empty array/);
  });
});
