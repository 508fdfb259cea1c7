import { describe, expect, it } from 'vitest';
import { type AclFlags, aclOperation, planAcls, resourcePatternType } from './acl-plan.js';

const ALICE = { principal: 'User:alice', host: '*', permissionType: 'ALLOW' };

describe('planAcls', () => {
  it('--add: one binding per resource, principal, host and operation; host * and LITERAL by default', () => {
    const plan = planAcls({
      add: true,
      allowPrincipal: ['User:alice'],
      denyPrincipal: ['User:mallory'],
      denyHost: ['10.0.0.9'],
      operation: ['WRITE', 'DESCRIBE'],
      topic: ['orders'],
    });
    expect(plan).toEqual({
      action: 'add',
      bindings: [
        {
          resourceType: 'TOPIC',
          resourceName: 'orders',
          resourcePatternType: 'LITERAL',
          ...ALICE,
          operation: 'WRITE',
        },
        {
          resourceType: 'TOPIC',
          resourceName: 'orders',
          resourcePatternType: 'LITERAL',
          ...ALICE,
          operation: 'DESCRIBE',
        },
        {
          resourceType: 'TOPIC',
          resourceName: 'orders',
          resourcePatternType: 'LITERAL',
          principal: 'User:mallory',
          host: '10.0.0.9',
          permissionType: 'DENY',
          operation: 'WRITE',
        },
        {
          resourceType: 'TOPIC',
          resourceName: 'orders',
          resourcePatternType: 'LITERAL',
          principal: 'User:mallory',
          host: '10.0.0.9',
          permissionType: 'DENY',
          operation: 'DESCRIBE',
        },
      ],
      resources: [{ resourceType: 'TOPIC', resourceName: 'orders', resourcePatternType: 'LITERAL' }],
    });
  });

  it('--add defaults to operation All, and --cluster is kafka-cluster', () => {
    const plan = planAcls({
      add: true,
      allowPrincipal: ['User:ops'],
      cluster: true,
      group: ['g'],
      resourcePatternType: 'PREFIXED',
    });
    expect(
      plan.action === 'add' &&
        plan.bindings.map((b) => [b.resourceType, b.resourceName, b.resourcePatternType, b.operation]),
    ).toEqual([
      ['GROUP', 'g', 'PREFIXED', 'ALL'],
      ['CLUSTER', 'kafka-cluster', 'PREFIXED', 'ALL'],
    ]);
  });

  it('--producer and --consumer stand for the operations kafka-acls.sh gives them', () => {
    const producer = planAcls({
      add: true,
      allowPrincipal: ['User:p'],
      producer: true,
      idempotent: true,
      topic: ['t'],
      cluster: true,
    });
    expect(
      producer.action === 'add' && producer.bindings.map((b) => `${b.resourceType}:${b.operation}`),
    ).toEqual(['TOPIC:WRITE', 'TOPIC:DESCRIBE', 'TOPIC:CREATE', 'CLUSTER:IDEMPOTENT_WRITE']);
    const consumer = planAcls({
      add: true,
      allowPrincipal: ['User:c'],
      consumer: true,
      topic: ['t'],
      group: ['g'],
    });
    expect(
      consumer.action === 'add' && consumer.bindings.map((b) => `${b.resourceType}:${b.operation}`),
    ).toEqual(['TOPIC:READ', 'TOPIC:DESCRIBE', 'GROUP:READ']);
  });

  it('--remove without principals removes every ACL of the resources; with them, only theirs', () => {
    expect(planAcls({ remove: true, force: true, topic: ['orders'] })).toEqual({
      action: 'remove',
      filters: [{ resourceType: 'TOPIC', resourceName: 'orders', resourcePatternType: 'LITERAL' }],
    });
    expect(
      planAcls({
        remove: true,
        force: true,
        allowPrincipal: ['User:alice'],
        topic: ['orders'],
        resourcePatternType: 'MATCH',
      }),
    ).toEqual({
      action: 'remove',
      filters: [{ resourceType: 'TOPIC', resourceName: 'orders', resourcePatternType: 'MATCH', ...ALICE }],
    });
    const withOps = planAcls({
      remove: true,
      force: true,
      allowPrincipal: ['User:alice'],
      operation: ['READ'],
      topic: ['t'],
    });
    expect(withOps.action === 'remove' && withOps.filters).toEqual([
      {
        resourceType: 'TOPIC',
        resourceName: 't',
        resourcePatternType: 'LITERAL',
        ...ALICE,
        operation: 'READ',
      },
    ]);
  });

  it('--list: every ACL without a resource; LITERAL of a named resource unless told; --principal filters', () => {
    expect(planAcls({ list: true })).toEqual({ action: 'list', filters: [{}] });
    expect(planAcls({ list: true, topic: ['orders'], principal: ['User:a', 'User:b'] })).toEqual({
      action: 'list',
      filters: [
        {
          resourceType: 'TOPIC',
          resourceName: 'orders',
          resourcePatternType: 'LITERAL',
          principal: 'User:a',
        },
        {
          resourceType: 'TOPIC',
          resourceName: 'orders',
          resourcePatternType: 'LITERAL',
          principal: 'User:b',
        },
      ],
    });
    expect(planAcls({ list: true, resourcePatternType: 'PREFIXED' })).toEqual({
      action: 'list',
      filters: [{ resourcePatternType: 'PREFIXED' }],
    });
  });

  it.each<[string, AclFlags, RegExp]>([
    ['no action', { topic: ['t'] }, /exactly one of --add, --remove, --list/],
    ['two actions', { add: true, list: true }, /exactly one of/],
    [
      '--add without a principal',
      { add: true, topic: ['t'], operation: ['READ'] },
      /--add needs --allow-principal or --deny-principal/,
    ],
    [
      '--add without a resource',
      { add: true, allowPrincipal: ['User:a'] },
      /name a resource: --topic, --group, --cluster or --transactional-id/,
    ],
    [
      '--add with match',
      { add: true, allowPrincipal: ['User:a'], topic: ['t'], resourcePatternType: 'MATCH' },
      /match is a filter; --add takes literal or prefixed/,
    ],
    [
      'an operation the resource lacks',
      { add: true, allowPrincipal: ['User:a'], group: ['g'], operation: ['WRITE'] },
      /resource type GROUP does not support WRITE; it supports READ, DESCRIBE, DELETE, ALL/,
    ],
    [
      '--allow-host alone',
      { add: true, denyPrincipal: ['User:a'], allowHost: ['h'], topic: ['t'] },
      /--allow-host goes with --allow-principal/,
    ],
    [
      '--remove without --force',
      { remove: true, topic: ['t'] },
      /--remove deletes without asking only with --force/,
    ],
    [
      '--principal with --add',
      { add: true, principal: ['User:a'], topic: ['t'] },
      /--principal filters --list/,
    ],
    [
      '--list with --allow-principal',
      { list: true, allowPrincipal: ['User:a'] },
      /--list takes --principal, not --allow-principal/,
    ],
    [
      '--list match without a resource',
      { list: true, resourcePatternType: 'MATCH' },
      /match needs a resource/,
    ],
    [
      '--consumer without a group',
      { add: true, allowPrincipal: ['User:a'], consumer: true, topic: ['t'] },
      /--consumer needs --group/,
    ],
    [
      '--producer with --operation',
      { add: true, allowPrincipal: ['User:a'], producer: true, operation: ['READ'], topic: ['t'] },
      /not both/,
    ],
  ])('refuses %s', (_name, flags, message) => {
    expect(() => planAcls(flags)).toThrow(message);
  });
});

describe('flag values', () => {
  it("reads kafka-acls.sh's operation and pattern spellings", () => {
    expect(aclOperation('DescribeConfigs')).toBe('DESCRIBE_CONFIGS');
    expect(aclOperation('idempotent-write')).toBe('IDEMPOTENT_WRITE');
    expect(aclOperation('All')).toBe('ALL');
    expect(() => aclOperation('Fly')).toThrow(/expected one of All, Read/);
    expect(resourcePatternType('prefixed')).toBe('PREFIXED');
    expect(() => resourcePatternType('regex')).toThrow(/literal, prefixed, match or any/);
  });
});
