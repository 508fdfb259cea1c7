import { describe, expect, it } from 'vitest';
import { aclBindingToWire, aclFilterToWire, groupByResource } from './acl-shapes.js';

const alice = {
  resourceType: 'TOPIC',
  resourceName: 'orders',
  resourcePatternType: 'LITERAL',
  principal: 'User:alice',
  host: '*',
  operation: 'WRITE',
  permissionType: 'ALLOW',
} as const;

describe('ACL bindings', () => {
  it("takes KafkaJS's numbers and the upper-case names alike, and defaults LITERAL and host *", () => {
    const problems: string[] = [];
    const byNumber = aclBindingToWire(
      { resourceType: 2, resourceName: 'orders', principal: 'User:alice', operation: 4, permissionType: 3 },
      'acl[0]',
      problems,
    );
    expect(problems).toEqual([]);
    expect(byNumber).toEqual({
      resourceType: 'TOPIC',
      resourceName: 'orders',
      patternType: 'LITERAL',
      principal: 'User:alice',
      host: '*',
      operation: 'WRITE',
      permission: 'ALLOW',
    });
    expect(aclBindingToWire(alice, 'acl[0]', problems)).toEqual(byNumber);
    expect(
      aclBindingToWire({ ...alice, operation: 'idempotent_write' as never }, 'x', problems).operation,
    ).toBe('IDEMPOTENT_WRITE');
    expect(problems).toEqual([]);
  });

  it('names every problem of a binding, with its position', () => {
    const problems: string[] = [];
    aclBindingToWire(
      {
        resourceType: 'ANY',
        resourceName: '',
        resourcePatternType: 'MATCH',
        principal: 'alice',
        operation: 'ANY',
        permissionType: 7,
      },
      'acl[3]',
      problems,
    );
    expect(problems).toEqual([
      'acl[3]: resourceType "ANY" is not one of TOPIC (2), GROUP (3), CLUSTER (4), TRANSACTIONAL_ID (5)',
      'acl[3]: resourcePatternType "MATCH" is not one of LITERAL (3), PREFIXED (4)',
      expect.stringMatching(/^acl\[3\]: operation "ANY" is not one of ALL \(2\), READ \(3\)/),
      'acl[3]: permissionType 7 is not one of DENY (2), ALLOW (3)',
      'acl[3]: resourceName must be a non-empty string',
      'acl[3]: principal "alice" is not "Type:name" (e.g. "User:alice", "User:*")',
    ]);
  });

  it('refuses a Cluster resource not named kafka-cluster', () => {
    const problems: string[] = [];
    aclBindingToWire({ ...alice, resourceType: 'CLUSTER', resourceName: 'prod' }, 'acl[0]', problems);
    expect(problems).toEqual(['acl[0]: the Cluster resource is named "kafka-cluster", not "prod"']);
  });
});

describe('ACL filters', () => {
  it('sends anything (empty) for absent, null and ANY fields, and keeps MATCH', () => {
    const problems: string[] = [];
    expect(aclFilterToWire({}, 'filter', problems)).toEqual({
      resourceType: '',
      resourceName: '',
      patternType: '',
      principal: '',
      host: '',
      operation: '',
      permission: '',
    });
    expect(
      aclFilterToWire(
        {
          resourceType: 1,
          resourceName: 'orders',
          resourcePatternType: 'match' as never,
          principal: null,
          operation: 'ANY',
        },
        'filter',
        problems,
      ),
    ).toMatchObject({ resourceType: '', resourceName: 'orders', patternType: 'MATCH', operation: '' });
    expect(problems).toEqual([]);
  });

  it('refuses unknown names, a bad principal and MATCH without a name', () => {
    const problems: string[] = [];
    aclFilterToWire(
      { resourceType: 'TOPICS' as never, resourcePatternType: 'MATCH', principal: 'User:' },
      'filters[1]',
      problems,
    );
    expect(problems).toEqual([
      expect.stringMatching(/^filters\[1\]: resourceType "TOPICS" is not one of ANY \(1\), TOPIC \(2\)/),
      'filters[1]: principal "User:" is not "Type:name" (e.g. "User:alice", "User:*")',
      'filters[1]: resourcePatternType MATCH needs a resourceName to match against',
    ]);
  });
});

describe('groupByResource', () => {
  it("groups ACLs by resource pattern in first-seen order, as KafkaJS's describeAcls answers", () => {
    const acl = (
      resourceName: string,
      principal: string,
      patternType: 'LITERAL' | 'PREFIXED' = 'LITERAL',
    ) => ({
      resourceType: 'TOPIC' as const,
      resourceName,
      resourcePatternType: patternType,
      principal,
      host: '*',
      operation: 'READ' as const,
      permissionType: 'ALLOW' as const,
    });
    const grouped = groupByResource([
      acl('b', 'User:1'),
      acl('a', 'User:2'),
      acl('b', 'User:3'),
      acl('b', 'User:4', 'PREFIXED'),
    ]);
    expect(
      grouped.map((r) => [r.resourceName, r.resourcePatternType, r.acls.map((a) => a.principal)]),
    ).toEqual([
      ['b', 'LITERAL', ['User:1', 'User:3']],
      ['a', 'LITERAL', ['User:2']],
      ['b', 'PREFIXED', ['User:4']],
    ]);
  });
});
