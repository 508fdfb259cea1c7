import { describe, expect, it } from 'vitest';
import { parsePrincipal } from '../principal/kafka-principal.js';
import type { AclBindingFilter } from './acl-filter.js';
import type { AclBinding, AclOperation, AclPermission, PatternType, ResourceType } from './acl-model.js';
import { StandardAuthorizer } from './standard-authorizer.js';

function acl(
  principal: string,
  permission: AclPermission,
  operation: AclOperation,
  resourceType: ResourceType,
  name: string,
  patternType: PatternType = 'LITERAL',
  host = '*',
): AclBinding {
  return { pattern: { resourceType, name, patternType }, entry: { principal, host, operation, permission } };
}

const ACLS: AclBinding[] = [
  acl('User:alice', 'ALLOW', 'READ', 'TOPIC', 'orders'),
  acl('User:alice', 'ALLOW', 'WRITE', 'TOPIC', 'orders'),
  acl('User:alice', 'ALLOW', 'READ', 'GROUP', 'billing'),
  acl('User:bob', 'ALLOW', 'ALL', 'TOPIC', 'logs-', 'PREFIXED'),
  acl('User:bob', 'DENY', 'WRITE', 'TOPIC', 'logs-audit', 'LITERAL'),
  acl('User:*', 'ALLOW', 'DESCRIBE', 'TOPIC', 'public'),
  acl('User:carol', 'ALLOW', 'READ', 'TOPIC', '*'),
  acl('User:carol', 'DENY', 'READ', 'TOPIC', 'secret-', 'PREFIXED'),
  acl('User:dave', 'ALLOW', 'WRITE', 'TOPIC', 'metrics', 'LITERAL', '10.0.0.5'),
  acl('User:*', 'DENY', 'ALL', 'TOPIC', 'quarantine'),
  acl('User:erin', 'ALLOW', 'ALTER_CONFIGS', 'TOPIC', 'orders'),
  acl('User:erin', 'ALLOW', 'CREATE', 'CLUSTER', 'kafka-cluster'),
  acl('User:frank', 'ALLOW', 'ALL', 'TOPIC', 'quarantine'),
  acl('User:broker-1', 'ALLOW', 'CLUSTER_ACTION', 'CLUSTER', 'kafka-cluster'),
];

function authorizer(): StandardAuthorizer {
  const a = new StandardAuthorizer({ superUsers: ['User:admin'] });
  expect(a.createAcls(ACLS).every((r) => 'created' in r && r.created)).toBe(true);
  return a;
}

type Row = [
  principal: string,
  host: string,
  operation: AclOperation,
  type: ResourceType,
  name: string,
  allowed: boolean,
  why: string,
];

// principal x host x operation x resource -> expected, with the ACL (or rule) that decides.
const MATRIX: Row[] = [
  ['User:alice', '1.2.3.4', 'READ', 'TOPIC', 'orders', true, 'literal allow'],
  ['User:alice', '1.2.3.4', 'WRITE', 'TOPIC', 'orders', true, 'literal allow'],
  ['User:alice', '1.2.3.4', 'DESCRIBE', 'TOPIC', 'orders', true, 'DESCRIBE implied by READ/WRITE'],
  ['User:alice', '1.2.3.4', 'DELETE', 'TOPIC', 'orders', false, 'no ACL for DELETE: default deny'],
  ['User:alice', '1.2.3.4', 'READ', 'TOPIC', 'orders2', false, 'literal does not match a longer name'],
  ['User:alice', '1.2.3.4', 'READ', 'GROUP', 'billing', true, 'group literal allow'],
  ['User:alice', '1.2.3.4', 'DESCRIBE', 'GROUP', 'billing', true, 'DESCRIBE implied by READ'],
  ['User:alice', '1.2.3.4', 'DELETE', 'GROUP', 'billing', false, 'READ does not imply DELETE'],
  [
    'User:alice',
    '1.2.3.4',
    'READ',
    'GROUP',
    'orders',
    false,
    'a topic ACL says nothing about a group of the same name',
  ],
  ['User:alice', '1.2.3.4', 'CREATE', 'CLUSTER', 'kafka-cluster', false, 'no cluster ACL'],
  ['User:bob', '1.2.3.4', 'WRITE', 'TOPIC', 'logs-app', true, 'prefixed ALL'],
  ['User:bob', '1.2.3.4', 'DELETE', 'TOPIC', 'logs-', true, 'prefix matches the name equal to it'],
  ['User:bob', '1.2.3.4', 'WRITE', 'TOPIC', 'logs-audit', false, 'literal deny beats prefixed allow'],
  ['User:bob', '1.2.3.4', 'READ', 'TOPIC', 'logs-audit', true, 'the deny is for WRITE only'],
  ['User:bob', '1.2.3.4', 'READ', 'TOPIC', 'log', false, 'shorter than the prefix'],
  ['User:bob', '1.2.3.4', 'READ', 'TOPIC', 'Logs-app', false, 'prefixes are case-sensitive'],
  ['User:mallory', '1.2.3.4', 'DESCRIBE', 'TOPIC', 'public', true, 'User:* allow'],
  ['User:mallory', '1.2.3.4', 'READ', 'TOPIC', 'public', false, 'DESCRIBE does not imply READ'],
  ['User:mallory', '1.2.3.4', 'READ', 'TOPIC', 'orders', false, 'default deny'],
  ['User:carol', '1.2.3.4', 'READ', 'TOPIC', 'anything', true, 'literal wildcard resource'],
  ['User:carol', '1.2.3.4', 'READ', 'TOPIC', 'secret-plans', false, 'prefixed deny beats wildcard allow'],
  [
    'User:carol',
    '1.2.3.4',
    'DESCRIBE',
    'TOPIC',
    'secret-plans',
    true,
    'a DENY READ does not deny the DESCRIBE an ALLOW READ implies',
  ],
  ['User:carol', '1.2.3.4', 'WRITE', 'TOPIC', 'anything', false, 'wildcard allow is for READ'],
  ['User:dave', '10.0.0.5', 'WRITE', 'TOPIC', 'metrics', true, 'host-specific allow from that host'],
  ['User:dave', '10.0.0.6', 'WRITE', 'TOPIC', 'metrics', false, 'host-specific allow from another host'],
  [
    'User:frank',
    '1.2.3.4',
    'READ',
    'TOPIC',
    'quarantine',
    false,
    'User:* DENY ALL beats a principal ALLOW ALL',
  ],
  ['User:admin', '1.2.3.4', 'READ', 'TOPIC', 'quarantine', true, 'super user bypasses even a deny'],
  ['User:admin', '1.2.3.4', 'CLUSTER_ACTION', 'CLUSTER', 'kafka-cluster', true, 'super user'],
  [
    'User:erin',
    '1.2.3.4',
    'DESCRIBE_CONFIGS',
    'TOPIC',
    'orders',
    true,
    'DESCRIBE_CONFIGS implied by ALTER_CONFIGS',
  ],
  ['User:erin', '1.2.3.4', 'DESCRIBE', 'TOPIC', 'orders', false, 'ALTER_CONFIGS does not imply DESCRIBE'],
  ['User:erin', '1.2.3.4', 'CREATE', 'CLUSTER', 'kafka-cluster', true, 'cluster create'],
  ['User:erin', '1.2.3.4', 'CREATE', 'TOPIC', 'new-topic', false, 'cluster ACL is not a topic ACL'],
  ['User:broker-1', '1.2.3.4', 'CLUSTER_ACTION', 'CLUSTER', 'kafka-cluster', true, 'broker principal'],
  [
    'User:alice',
    '1.2.3.4',
    'CLUSTER_ACTION',
    'CLUSTER',
    'kafka-cluster',
    false,
    'a client principal is no broker',
  ],
  ['User:broker-1', '1.2.3.4', 'READ', 'TOPIC', 'orders', false, 'CLUSTER_ACTION grants no topic access'],
];

describe('StandardAuthorizer matrix', () => {
  const a = authorizer();
  it.each(MATRIX)(
    '%s from %s: %s %s %s -> %s (%s)',
    (principal, host, operation, resourceType, resourceName, allowed) => {
      expect(
        a.authorize({ principal: parsePrincipal(principal), host, operation, resourceType, resourceName })
          .allowed,
      ).toBe(allowed);
    },
  );

  it('explains decisions with the deciding ACL', () => {
    const result = a.authorize({
      principal: parsePrincipal('User:bob'),
      host: 'h',
      operation: 'WRITE',
      resourceType: 'TOPIC',
      resourceName: 'logs-audit',
    });
    expect(result).toMatchObject({
      allowed: false,
      reason: 'deny-acl',
      acl: { entry: { permission: 'DENY' } },
    });
    expect(
      a.authorize({
        principal: parsePrincipal('User:admin'),
        host: 'h',
        operation: 'ALL',
        resourceType: 'GROUP',
        resourceName: 'x',
      }).reason,
    ).toBe('super-user');
    expect(
      a.authorize({
        principal: parsePrincipal('User:x'),
        host: 'h',
        operation: 'READ',
        resourceType: 'GROUP',
        resourceName: 'x',
      }).reason,
    ).toBe('no-matching-acl');
  });
});

describe('allow.everyone.if.no.acl.found', () => {
  it('allows only resources that no ACL names at all', () => {
    const a = new StandardAuthorizer({ allowEveryoneIfNoAclFound: true });
    a.createAcls([acl('User:alice', 'ALLOW', 'READ', 'TOPIC', 'orders')]);
    const ask = (principal: string, name: string) =>
      a.authorize({
        principal: parsePrincipal(principal),
        host: 'h',
        operation: 'READ',
        resourceType: 'TOPIC',
        resourceName: name,
      }).allowed;
    expect(ask('User:bob', 'unprotected')).toBe(true);
    expect(ask('User:bob', 'orders')).toBe(false);
    expect(ask('User:alice', 'orders')).toBe(true);
  });
});

describe('authorizeByResourceType (KIP-679)', () => {
  it('is true when some allowed pattern is not covered by a deny', () => {
    const a = new StandardAuthorizer();
    a.createAcls([
      acl('User:p', 'ALLOW', 'WRITE', 'TOPIC', 'out-', 'PREFIXED'),
      acl('User:q', 'ALLOW', 'WRITE', 'TOPIC', 'out-x'),
      acl('User:q', 'DENY', 'WRITE', 'TOPIC', 'out-', 'PREFIXED'),
      acl('User:r', 'ALLOW', 'WRITE', 'TOPIC', 'a'),
      acl('User:r', 'DENY', 'WRITE', 'TOPIC', '*'),
      acl('User:s', 'ALLOW', 'WRITE', 'TOPIC', 'a'),
      acl('User:s', 'DENY', 'WRITE', 'TOPIC', 'a'),
      acl('User:s', 'ALLOW', 'WRITE', 'TOPIC', 'b'),
    ]);
    const ask = (p: string) => a.authorizeByResourceType(parsePrincipal(p), 'h', 'WRITE', 'TOPIC');
    expect([ask('User:p'), ask('User:q'), ask('User:r'), ask('User:s'), ask('User:t')]).toEqual([
      true,
      false,
      false,
      true,
      false,
    ]);
  });
});

describe('ACL administration', () => {
  it('validates each binding with a clear error and keeps the set free of duplicates', () => {
    const a = new StandardAuthorizer();
    const results = a.createAcls([
      acl('User:alice', 'ALLOW', 'READ', 'TOPIC', 'orders'),
      acl('User:alice', 'ALLOW', 'READ', 'TOPIC', 'orders'),
      acl('alice', 'ALLOW', 'READ', 'TOPIC', 'orders'),
      acl('User:alice', 'ALLOW', 'WRITE', 'GROUP', 'g'),
      acl('User:alice', 'ALLOW', 'CREATE', 'CLUSTER', 'my-cluster'),
      acl('User:alice', 'ALLOW', 'READ', 'TOPIC', ''),
      acl('User:alice', 'ALLOW', 'READ', 'TOPIC', 't', 'LITERAL', ''),
    ]);
    expect(results[0]).toEqual({ created: true });
    expect(results[1]).toEqual({ created: false });
    expect(results.slice(2).map((r) => ('error' in r ? r.error : 'ok'))).toEqual([
      "invalid principal 'alice': expected <type>:<name>, e.g. User:alice",
      'operation WRITE does not apply to GROUP: valid are READ, DESCRIBE, DELETE, ALL',
      "the Cluster resource is the LITERAL name 'kafka-cluster', got LITERAL 'my-cluster'",
      'an ACL resource name must not be empty',
      "an ACL host must not be empty (use '*' for every host)",
    ]);
    expect(a.aclCount).toBe(1);
    expect(() => new StandardAuthorizer({ superUsers: ['admin'] })).toThrow(/invalid principal 'admin'/);
  });

  const names = (bindings: AclBinding[]) =>
    bindings
      .map((b) => `${b.entry.principal}/${b.pattern.patternType}:${b.pattern.name}/${b.entry.operation}`)
      .sort();

  it('describes with Kafka filter semantics (ANY, MATCH, LITERAL, PREFIXED, absent = any)', () => {
    const a = authorizer();
    const describe = (filter: AclBindingFilter) => names(a.describeAcls(filter));
    expect(describe({})).toHaveLength(ACLS.length);
    expect(describe({ resourceType: 'TOPIC', name: 'logs-audit', patternType: 'MATCH' })).toEqual([
      'User:bob/LITERAL:logs-audit/WRITE',
      'User:bob/PREFIXED:logs-/ALL',
      'User:carol/LITERAL:*/READ',
    ]);
    expect(describe({ resourceType: 'TOPIC', name: 'logs-', patternType: 'ANY' })).toEqual([
      'User:bob/PREFIXED:logs-/ALL',
    ]);
    expect(describe({ resourceType: 'TOPIC', name: 'logs-', patternType: 'LITERAL' })).toEqual([]);
    expect(describe({ resourceType: 'TOPIC', patternType: 'PREFIXED' })).toEqual([
      'User:bob/PREFIXED:logs-/ALL',
      'User:carol/PREFIXED:secret-/READ',
    ]);
    expect(describe({ principal: 'User:erin' })).toEqual([
      'User:erin/LITERAL:kafka-cluster/CREATE',
      'User:erin/LITERAL:orders/ALTER_CONFIGS',
    ]);
    expect(describe({ permission: 'DENY', operation: 'ALL' })).toEqual(['User:*/LITERAL:quarantine/ALL']);
    expect(describe({ host: '10.0.0.5' })).toEqual(['User:dave/LITERAL:metrics/WRITE']);
    expect(describe({ resourceType: 'GROUP', name: 'orders', patternType: 'MATCH' })).toEqual([]);
  });

  it('deletes what each filter matches, and the decisions change accordingly', () => {
    const a = authorizer();
    const ask = () =>
      a.authorize({
        principal: parsePrincipal('User:bob'),
        host: 'h',
        operation: 'WRITE',
        resourceType: 'TOPIC',
        resourceName: 'logs-audit',
      }).allowed;
    expect(ask()).toBe(false);
    const [deleted, none] = a.deleteAcls([
      { principal: 'User:bob', permission: 'DENY' },
      { principal: 'User:nobody' },
    ]);
    expect(names(deleted ?? [])).toEqual(['User:bob/LITERAL:logs-audit/WRITE']);
    expect(none).toEqual([]);
    expect(ask()).toBe(true);
    a.deleteAcls([{ resourceType: 'TOPIC', name: 'logs-', patternType: 'PREFIXED' }]);
    expect(ask()).toBe(false);
    expect(a.aclCount).toBe(ACLS.length - 2);
  });
});
