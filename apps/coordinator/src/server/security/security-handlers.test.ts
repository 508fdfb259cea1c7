import { ErrorCode, type v1 } from '@fjord/protocol';
import { createScramCredential, deriveScramKeys, SCRAM_SHA_256, SCRAM_SHA_512 } from '@fjord/security';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type HandlerTestContext,
  NO_AUTHORIZER,
  openHandlerContext,
  STANDARD_AUTHORIZER,
} from '../handler-context.fixture.js';
import { createAcls, deleteAcls, describeAcls } from './acl-handlers.js';
import { describeSecurityState } from './describe-security-state.js';
import { alterUserScramCredentials, describeUserScramCredentials } from './scram-handlers.js';

const EMPTY_FILTER: v1.AclBindingFilter__Output = {
  resourceType: '',
  resourceName: '',
  patternType: '',
  principal: '',
  host: '',
  operation: '',
  permission: '',
};

function acl(overrides: Partial<v1.AclBinding__Output> = {}): v1.AclBinding__Output {
  return {
    resourceType: 'TOPIC',
    resourceName: 'orders',
    patternType: 'LITERAL',
    principal: 'User:alice',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
    ...overrides,
  };
}

function filter(overrides: Partial<v1.AclBindingFilter__Output>): v1.AclBindingFilter__Output {
  return { ...EMPTY_FILTER, ...overrides };
}

function upsertion(
  name: string,
  password: string,
  mechanism = SCRAM_SHA_256,
  iterations = 4096,
  salt = Buffer.from(`salt-of-${name}`),
): v1.ScramCredentialUpsertion__Output {
  const { saltedPassword } = deriveScramKeys(mechanism, password, salt, iterations);
  return { name, mechanism: mechanism.name, iterations, salt, saltedPassword };
}

let handle: HandlerTestContext | undefined;
afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

async function open(authorization = STANDARD_AUTHORIZER): Promise<HandlerTestContext> {
  handle = await openHandlerContext('security', undefined, authorization);
  return handle;
}

describe('ACL handlers', () => {
  it('answer SECURITY_DISABLED without an authorizer, as Kafka does', async () => {
    const { ctx } = await open(NO_AUTHORIZER);
    const created = await createAcls(ctx, { creations: [acl()] });
    expect(created.results!.map((r) => r.errorCode)).toEqual([ErrorCode.SECURITY_DISABLED]);
    expect(describeAcls(ctx, { filter: EMPTY_FILTER }).errorCode).toBe(ErrorCode.SECURITY_DISABLED);
    const deleted = await deleteAcls(ctx, { filters: [EMPTY_FILTER] });
    expect(deleted.results![0]!.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
    expect(ctx.store.securityVersion).toBe(0);
  });

  it('create each valid binding, refuse each invalid one naming the field, and are idempotent', async () => {
    const { ctx } = await open();
    const response = await createAcls(ctx, {
      creations: [
        acl(),
        acl({ resourceType: 'TOPICS' }),
        acl({ resourceType: 'GROUP', operation: 'WRITE' }),
        acl({ principal: 'alice' }),
        acl({ patternType: 'MATCH' }),
        acl(),
      ],
    });
    expect(response.results!.map((r) => r.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.NONE,
    ]);
    expect(response.results![1]!.errorMessage).toMatch(/resource_type 'TOPICS'/);
    expect(response.results![2]!.errorMessage).toMatch(/WRITE does not apply to GROUP/);
    expect(response.results![3]!.errorMessage).toMatch(/principal 'alice'/);
    expect(response.results![4]!.errorMessage).toMatch(/pattern_type 'MATCH'/);
    const versionAfterFirst = ctx.store.securityVersion;
    expect(versionAfterFirst).toBeGreaterThan(0);
    // The same binding again: success, no second record, no version change.
    const again = await createAcls(ctx, { creations: [acl()] });
    expect(again.results![0]!.errorCode).toBe(ErrorCode.NONE);
    expect(ctx.store.securityVersion).toBe(versionAfterFirst);
    expect(describeAcls(ctx, { filter: EMPTY_FILTER }).acls!).toEqual([acl()]);
  });

  it('describe with Kafka filter semantics: ANY, MATCH, principal and operation', async () => {
    const { ctx } = await open();
    const bindings = [
      acl({ resourceName: 'orders' }),
      acl({ resourceName: 'ord', patternType: 'PREFIXED', operation: 'WRITE' }),
      acl({ resourceName: '*', principal: 'User:bob', permission: 'DENY' }),
      acl({ resourceType: 'GROUP', resourceName: 'orders', operation: 'READ' }),
    ];
    await createAcls(ctx, { creations: bindings });
    const names = (f: Partial<v1.AclBindingFilter__Output>) =>
      describeAcls(ctx, { filter: filter(f) }).acls!.map(
        (a) => `${a.resourceType}:${a.patternType}:${a.resourceName}`,
      );
    expect(names({ resourceType: 'TOPIC', resourceName: 'orders', patternType: 'MATCH' }).sort()).toEqual([
      'TOPIC:LITERAL:*',
      'TOPIC:LITERAL:orders',
      'TOPIC:PREFIXED:ord',
    ]);
    expect(names({ resourceName: 'orders' }).sort()).toEqual([
      'GROUP:LITERAL:orders',
      'TOPIC:LITERAL:orders',
    ]);
    expect(names({ principal: 'User:bob' })).toEqual(['TOPIC:LITERAL:*']);
    expect(names({ operation: 'WRITE', permission: 'ANY' })).toEqual(['TOPIC:PREFIXED:ord']);
    const bad = describeAcls(ctx, { filter: filter({ operation: 'EAT' }) });
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(bad.errorMessage).toMatch(/operation 'EAT'/);
  });

  it('delete per filter in one proposal, reporting an ACL matched twice only under the first filter', async () => {
    const { ctx } = await open();
    await createAcls(ctx, {
      creations: [acl(), acl({ operation: 'WRITE' }), acl({ resourceName: 'payments' })],
    });
    const response = await deleteAcls(ctx, {
      filters: [
        filter({ resourceName: 'orders', operation: 'READ' }),
        filter({ resourceName: 'orders' }),
        filter({ permission: 'MAYBE' }),
      ],
    });
    expect(response.results!.map((r) => r.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.NONE,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect(response.results![0]!.deleted).toEqual([acl()]);
    expect(response.results![1]!.deleted).toEqual([acl({ operation: 'WRITE' })]);
    expect(describeAcls(ctx, { filter: EMPTY_FILTER }).acls!).toEqual([acl({ resourceName: 'payments' })]);
  });

  it('keep the authorizer of the security state in step with the committed ACLs', async () => {
    const { ctx } = await open();
    const alice = { principalType: 'User', name: 'alice' };
    const ask = () =>
      ctx.security.authorizer()!.authorize({
        principal: alice,
        host: '10.0.0.1',
        operation: 'READ',
        resourceType: 'TOPIC',
        resourceName: 'orders',
      }).allowed;
    expect(ask()).toBe(false);
    await createAcls(ctx, { creations: [acl()] });
    expect(ask()).toBe(true);
    await deleteAcls(ctx, { filters: [EMPTY_FILTER] });
    expect(ask()).toBe(false);
  });
});

describe('SCRAM credential handlers', () => {
  it('store StoredKey and ServerKey derived from the salted password, never the password', async () => {
    const { ctx } = await open(NO_AUTHORIZER);
    const salt = Buffer.from('pinned-salt');
    const response = await alterUserScramCredentials(ctx, {
      deletions: [],
      upsertions: [upsertion('alice', 'alice-secret', SCRAM_SHA_512, 8192, salt)],
    });
    expect(response.results!).toEqual([{ user: 'alice', errorCode: ErrorCode.NONE, errorMessage: '' }]);
    const expected = createScramCredential(SCRAM_SHA_512, 'alice-secret', { salt, iterations: 8192 });
    const stored = ctx.security.scramCredential('alice', SCRAM_SHA_512);
    expect(stored).toEqual(expected);
    expect(ctx.security.scramCredential('alice', SCRAM_SHA_256)).toBeUndefined();
    const state = describeSecurityState(ctx);
    expect(JSON.stringify(state)).not.toContain('alice-secret');
    expect(state.credentials!).toEqual([
      {
        user: 'alice',
        mechanism: 'SCRAM-SHA-512',
        iterations: 8192,
        salt,
        storedKey: expected.storedKey,
        serverKey: expected.serverKey,
      },
    ]);
    expect(state.securityVersion).toBe(String(ctx.store.securityVersion));
  });

  it('apply all of a user or none of it, users independently, in one proposal', async () => {
    const { ctx } = await open(NO_AUTHORIZER);
    await alterUserScramCredentials(ctx, { deletions: [], upsertions: [upsertion('carol', 'c1')] });
    const versionBefore = ctx.store.metadataVersion;
    const response = await alterUserScramCredentials(ctx, {
      deletions: [
        { name: 'bob', mechanism: 'SCRAM-SHA-512' },
        { name: 'carol', mechanism: 'SCRAM-SHA-256' },
      ],
      upsertions: [
        upsertion('alice', 'a1'),
        upsertion('bob', 'b1'),
        upsertion('dave', 'd1', SCRAM_SHA_256, 1000),
        upsertion('erin', 'e1', SCRAM_SHA_256, 20_000),
        { ...upsertion('frank', 'f1'), mechanism: 'SCRAM-SHA-1' },
        upsertion('', 'x'),
        upsertion('carol', 'c2'),
      ],
    });
    const byUser = new Map(response.results!.map((r) => [r.user, r]));
    expect([...byUser.keys()]).toEqual(['bob', 'carol', 'alice', 'dave', 'erin', 'frank', '']);
    expect(byUser.get('alice')!.errorCode).toBe(ErrorCode.NONE);
    // bob's deletion finds nothing: his upsertion is not applied either.
    expect(byUser.get('bob')!.errorCode).toBe(ErrorCode.RESOURCE_NOT_FOUND);
    expect(byUser.get('carol')!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(byUser.get('carol')!.errorMessage).toMatch(/altered twice/);
    expect(byUser.get('dave')!.errorMessage).toMatch(/iterations must be 4096\.\.16384, got 1000/);
    expect(byUser.get('erin')!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(byUser.get('frank')!.errorCode).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    expect(byUser.get('')!.errorMessage).toMatch(/user name must not be empty/);
    expect(ctx.security.scramCredential('bob', SCRAM_SHA_256)).toBeUndefined();
    expect(ctx.security.scramCredential('carol', SCRAM_SHA_256)).toBeDefined();
    // alice's one record went in one entry; nothing else was appended.
    expect(ctx.store.metadataVersion).toBe(versionBefore + 1);
  });

  it('describe mechanisms and iterations only, RESOURCE_NOT_FOUND for a named unknown user', async () => {
    const { ctx } = await open(NO_AUTHORIZER);
    await alterUserScramCredentials(ctx, {
      deletions: [],
      upsertions: [
        upsertion('bob', 'b'),
        upsertion('alice', 'a', SCRAM_SHA_512, 5000),
        upsertion('__proto__', 'p'),
      ],
    });
    const all = describeUserScramCredentials(ctx, { users: [] });
    expect(all.results!.map((r) => r.user)).toEqual(['__proto__', 'alice', 'bob']);
    expect(all.results![1]!.credentials!).toEqual([{ mechanism: 'SCRAM-SHA-512', iterations: 5000 }]);
    const named = describeUserScramCredentials(ctx, { users: ['bob', 'nobody', 'constructor'] });
    expect(named.results!.map((r) => [r.user, r.errorCode])).toEqual([
      ['bob', ErrorCode.NONE],
      ['nobody', ErrorCode.RESOURCE_NOT_FOUND],
      ['constructor', ErrorCode.RESOURCE_NOT_FOUND],
    ]);
    // Deleting removes it.
    await alterUserScramCredentials(ctx, {
      deletions: [{ name: 'bob', mechanism: 'SCRAM-SHA-256' }],
      upsertions: [],
    });
    expect(describeUserScramCredentials(ctx, { users: ['bob'] }).results![0]!.errorCode).toBe(
      ErrorCode.RESOURCE_NOT_FOUND,
    );
  });

  it('refuse a salted password of the wrong length for the mechanism', async () => {
    const { ctx } = await open(NO_AUTHORIZER);
    const response = await alterUserScramCredentials(ctx, {
      deletions: [],
      upsertions: [{ ...upsertion('alice', 'a', SCRAM_SHA_256), mechanism: 'SCRAM-SHA-512' }],
    });
    expect(response.results![0]!.errorMessage).toMatch(
      /salted_password of SCRAM-SHA-512 must be 64 bytes, got 32/,
    );
  });
});
