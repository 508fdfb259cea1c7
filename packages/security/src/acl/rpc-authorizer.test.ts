import { describe, expect, it } from 'vitest';
import { parsePrincipal } from '../principal/kafka-principal.js';
import type { AclBinding, AclOperation, PatternType, ResourceType } from './acl-model.js';
import { authorizeRpc, type RpcCaller, valuesAt } from './rpc-authorizer.js';
import { StandardAuthorizer } from './standard-authorizer.js';

const allow = (
  principal: string,
  operation: AclOperation,
  resourceType: ResourceType,
  name: string,
  patternType: PatternType = 'LITERAL',
): AclBinding => ({
  pattern: { resourceType, name, patternType },
  entry: { principal, host: '*', operation, permission: 'ALLOW' },
});

function authorizer(): StandardAuthorizer {
  const a = new StandardAuthorizer({ superUsers: ['User:admin'] });
  const results = a.createAcls([
    allow('User:alice', 'READ', 'TOPIC', 'orders'),
    allow('User:alice', 'WRITE', 'TOPIC', 'orders'),
    allow('User:alice', 'READ', 'GROUP', 'billing'),
    allow('User:alice', 'CREATE', 'TOPIC', 'a-', 'PREFIXED'),
    allow('User:broker-1', 'CLUSTER_ACTION', 'CLUSTER', 'kafka-cluster'),
    allow('User:broker-2', 'CLUSTER_ACTION', 'CLUSTER', 'kafka-cluster'),
    allow('User:erin', 'CREATE', 'CLUSTER', 'kafka-cluster'),
  ]);
  expect(results.every((r) => 'created' in r)).toBe(true);
  return a;
}

const caller = (principal: string, brokerId?: number): RpcCaller => ({
  principal: parsePrincipal(principal),
  host: '127.0.0.1',
  ...(brokerId === undefined ? {} : { brokerId }),
});

describe('authorizeRpc', () => {
  const a = authorizer();

  it('refuses the forged replica fetch of issue #13: a client posing as a follower', () => {
    const forged = {
      replicaId: 2,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '0' }] }],
    };
    const decision = authorizeRpc(a, caller('User:alice'), '/fjord.v1.BrokerService/Fetch', forged);
    expect(decision).toMatchObject({ refused: true, errorName: 'CLUSTER_AUTHORIZATION_FAILED' });
    // Alice may READ orders as a consumer: only the replica_id made it a broker-only call.
    expect(
      authorizeRpc(a, caller('User:alice'), '/fjord.v1.BrokerService/Fetch', { ...forged, replicaId: -1 })
        .refused,
    ).toBe(false);
  });

  it('lets a broker fetch as itself only, even when it is a super user', () => {
    const fetch = (replicaId: number) => ({ replicaId, topics: [{ topic: 'orders' }] });
    expect(
      authorizeRpc(a, caller('User:broker-2', 2), '/fjord.v1.BrokerService/Fetch', fetch(2)).refused,
    ).toBe(false);
    const impersonation = authorizeRpc(
      a,
      caller('User:broker-1', 1),
      '/fjord.v1.BrokerService/Fetch',
      fetch(2),
    );
    expect(impersonation).toMatchObject({
      refused: true,
      errorName: 'CLUSTER_AUTHORIZATION_FAILED',
      message: expect.stringMatching(/may not act for broker 2/),
    });
    expect(authorizeRpc(a, caller('User:admin'), '/fjord.v1.BrokerService/Fetch', fetch(2)).refused).toBe(
      true,
    );
    expect(authorizeRpc(a, caller('User:admin', 2), '/fjord.v1.BrokerService/Fetch', fetch(2)).refused).toBe(
      false,
    );
  });

  it.each(['RegisterBroker', 'BrokerHeartbeat', 'AlterPartition', 'ControlledShutdown'])(
    'CoordinatorService/%s: refused for a client, for another broker id, allowed for the broker itself',
    (method) => {
      const path = `/fjord.v1.CoordinatorService/${method}`;
      const request = { brokerId: 1, brokerEpoch: '77' };
      expect(authorizeRpc(a, caller('User:alice'), path, request)).toMatchObject({
        refused: true,
        errorName: 'CLUSTER_AUTHORIZATION_FAILED',
      });
      expect(authorizeRpc(a, caller('User:broker-2', 2), path, request).refused).toBe(true);
      expect(authorizeRpc(a, caller('User:broker-1', 1), path, request).refused).toBe(false);
      const refusal = authorizeRpc(a, caller('User:broker-2', 2), path, request);
      expect('message' in refusal && refusal.message).not.toContain('77');
    },
  );

  it('lets a broker principal without an id claim one on RegisterBroker only', () => {
    const request = { brokerId: 3 };
    const unbound = caller('User:broker-1');
    expect(authorizeRpc(a, unbound, '/fjord.v1.CoordinatorService/RegisterBroker', request).refused).toBe(
      false,
    );
    for (const method of ['BrokerHeartbeat', 'AlterPartition', 'ControlledShutdown']) {
      expect(authorizeRpc(a, unbound, `/fjord.v1.CoordinatorService/${method}`, request).refused).toBe(true);
    }
    expect(
      authorizeRpc(a, caller('User:alice'), '/fjord.v1.CoordinatorService/RegisterBroker', request),
    ).toMatchObject({
      refused: true,
      errorName: 'CLUSTER_AUTHORIZATION_FAILED',
    });
  });

  it('answers unauthorized topics of a consumer fetch per resource and lets the rest through', () => {
    const decision = authorizeRpc(a, caller('User:alice'), '/fjord.v1.BrokerService/Fetch', {
      replicaId: -1,
      topics: [{ topic: 'orders' }, { topic: 'secret' }],
    });
    expect(decision).toMatchObject({
      refused: false,
      deniedResources: [
        {
          resourceType: 'TOPIC',
          name: 'secret',
          errorName: 'TOPIC_AUTHORIZATION_FAILED',
          effect: 'per-resource-error',
        },
      ],
    });
  });

  it('CreateTopics: CREATE on the Cluster covers every topic, else CREATE per topic', () => {
    const request = { topics: [{ name: 'a-one' }, { name: 'b-two' }] };
    const path = '/fjord.v1.CoordinatorService/CreateTopics';
    expect(authorizeRpc(a, caller('User:erin'), path, request)).toMatchObject({
      refused: false,
      deniedResources: [],
    });
    expect(authorizeRpc(a, caller('User:alice'), path, request)).toMatchObject({
      refused: false,
      deniedResources: [{ name: 'b-two' }],
    });
  });

  it('OffsetCommit needs READ on the group before anything else', () => {
    const path = '/fjord.v1.GroupCoordinatorService/OffsetCommit';
    expect(
      authorizeRpc(a, caller('User:alice'), path, { groupId: 'other', topics: [{ topic: 'orders' }] }),
    ).toMatchObject({
      refused: true,
      errorName: 'GROUP_AUTHORIZATION_FAILED',
    });
    expect(
      authorizeRpc(a, caller('User:alice'), path, { groupId: 'billing', topics: [{ topic: 'orders' }] }),
    ).toMatchObject({ refused: false, deniedResources: [] });
  });

  it('ListTopics filters the listing to what the caller may describe', () => {
    const decision = authorizeRpc(a, caller('User:alice'), '/fjord.v1.CoordinatorService/ListTopics', {});
    if (decision.refused) throw new Error('ListTopics must not be refused');
    expect(['orders', 'secret'].filter((name) => decision.mayList('TOPIC', name))).toEqual(['orders']);
  });

  it('InitProducerId: IDEMPOTENT_WRITE on the Cluster or WRITE on some topic (KIP-679)', () => {
    const path = '/fjord.v1.ProducerIdService/InitProducerId';
    expect(authorizeRpc(a, caller('User:alice'), path, {}).refused).toBe(false);
    expect(authorizeRpc(a, caller('User:erin'), path, {})).toMatchObject({
      refused: true,
      errorName: 'CLUSTER_AUTHORIZATION_FAILED',
    });
  });

  it('quotes a short refused name whole and a long one by its start and length', () => {
    const path = '/fjord.v1.GroupCoordinatorService/LeaveGroup';
    expect(authorizeRpc(a, caller('User:alice'), path, { groupId: 'payroll' })).toMatchObject({
      refused: true,
      errorName: 'GROUP_AUTHORIZATION_FAILED',
      message: "fjord.v1.GroupCoordinatorService/LeaveGroup: User:alice may not READ GROUP 'payroll'",
    });
    // A group id has no length limit; the message travels in a gRPC trailer.
    const decision = authorizeRpc(a, caller('User:alice'), path, { groupId: 'y'.repeat(74_816) });
    if (!decision.refused) throw new Error('the group must be refused');
    expect(decision.message).toBe(
      `fjord.v1.GroupCoordinatorService/LeaveGroup: User:alice may not READ GROUP '${'y'.repeat(128)}…' (74816 characters)`,
    );
  });

  it('refuses an RPC missing from the table', () => {
    expect(() => authorizeRpc(a, caller('User:admin'), '/fjord.v1.BrokerService/Unknown', {})).toThrow(
      /no authorization rule/,
    );
  });
});

describe('valuesAt', () => {
  it('walks proto paths through camelCase requests', () => {
    const request = { topics: [{ topic: 'a' }, { topic: 'b' }], groupId: 'g', subscribedTopicNames: ['x'] };
    expect(valuesAt(request, 'topics[].topic')).toEqual(['a', 'b']);
    expect(valuesAt(request, 'group_id')).toEqual(['g']);
    expect(valuesAt(request, 'subscribed_topic_names[]')).toEqual(['x']);
    expect(valuesAt({}, 'topics[].topic')).toEqual([]);
  });
});
