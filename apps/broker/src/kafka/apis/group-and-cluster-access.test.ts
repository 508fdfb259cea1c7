import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { type AclBinding, StandardAuthorizer, userPrincipal } from '@fjord/security';
import { describe, expect, it } from 'vitest';
import type { KafkaApi, KafkaRequestContext } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { KafkaAccess } from '../security/kafka-access.js';
import { KafkaConnectionAuthentication } from '../security/kafka-authentication.js';
import { createAclsApi, describeAclsApi } from './acls.js';
import { findCoordinatorApi, initProducerIdApi } from './cluster-info.js';
import { listGroupsApi } from './group-listing.js';
import { heartbeatApi, joinGroupApi } from './group-membership.js';
import { offsetCommitApi, offsetFetchApi } from './group-offsets.js';

// The group, producer-id and ACL APIs decide on the broker's copy of the ACLs before anything
// is forwarded: the coordinator stand-in records what reaches it (the forwarded calls
// themselves are tested against a real coordinator in tests/integration).
const allow = (
  resourceType: AclBinding['pattern']['resourceType'],
  name: string,
  operation: AclBinding['entry']['operation'],
  patternType: 'LITERAL' | 'PREFIXED' = 'LITERAL',
): AclBinding => ({
  pattern: { resourceType, name, patternType },
  entry: { principal: 'User:alice', host: '*', operation, permission: 'ALLOW' },
});

function setup(acls: AclBinding[]) {
  const authorizer = new StandardAuthorizer();
  authorizer.createAcls(acls);
  const forwarded: string[] = [];
  const coordinator = new Proxy(
    {},
    {
      get: (_target, method: string) => async (request: KafkaStruct) => {
        forwarded.push(method);
        if (method === 'offsetFetch')
          return {
            errorCode: 0,
            offsets: [
              { topic: 'seen', partition: 0, offset: '5', metadata: '' },
              { topic: 'unseen', partition: 0, offset: '7', metadata: '' },
            ],
          };
        if (method === 'classicOffsetCommit') return { errorCode: 0, topics: [] };
        if (method === 'listGroups')
          return {
            groups: [
              { groupId: 'g-mine', state: 'Stable', protocol: 'classic' },
              { groupId: 'other', state: 'Stable', protocol: 'classic' },
            ],
          };
        if (method === 'joinGroup') return { errorCode: 0, generationId: 1, memberId: 'm', members: [] };
        if (method === 'initProducerId') return { errorCode: 0, producerId: '9', producerEpoch: 0 };
        if (method === 'createAcls')
          return {
            results: (request.creations as unknown[]).map(() => ({ errorCode: 0, errorMessage: '' })),
          };
        return { errorCode: 0 };
      },
    },
  );
  const deps = {
    coordinator,
    brokerId: 1,
    advertisedHost: 'b1',
    advertisedPort: 9092,
  } as unknown as KafkaDeps;
  const context = (apiKey: number, apiVersion: number): KafkaRequestContext => ({
    header: { apiKey, apiVersion, correlationId: 1, clientId: 't', headerVersion: 1 },
    signal: new AbortController().signal,
    access: new KafkaAccess(authorizer, userPrincipal('alice'), '10.0.0.1'),
    authentication: new KafkaConnectionAuthentication({
      principal: userPrincipal('alice'),
      connectionId: 'c',
    }),
    closeAfterResponse: () => {},
  });
  const call = (api: (d: KafkaDeps) => KafkaApi, apiKey: number, version: number, request: KafkaStruct) =>
    api(deps).handle(request, context(apiKey, version));
  return { call, forwarded };
}

describe('group, producer-id and ACL APIs on the Kafka path', () => {
  it('FindCoordinator needs DESCRIBE on the group, as Kafka; DESCRIBE alone is enough to find it', async () => {
    // KafkaJS 2.2 swallows this refusal (BrokerPool.withBroker) and reports
    // KafkaJSGroupCoordinatorNotFound, against Kafka too; a group the user may DESCRIBE but not
    // READ is refused at JoinGroup instead, where KafkaJS surfaces GROUP_AUTHORIZATION_FAILED.
    const { call } = setup([allow('GROUP', 'g-', 'DESCRIBE', 'PREFIXED')]);
    const find = (coordinatorKeys: string[]) =>
      call(findCoordinatorApi, ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys });
    expect(await find(['other', 'g-mine'])).toMatchObject({
      coordinators: [
        { key: 'other', nodeId: -1, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED },
        { key: 'g-mine', nodeId: 1, host: 'b1', port: 9092, errorCode: 0 },
      ],
    });
  });

  it('JoinGroup and Heartbeat need READ on the group; a refusal is not forwarded', async () => {
    const { call, forwarded } = setup([allow('GROUP', 'g-', 'READ', 'PREFIXED')]);
    const join = (groupId: string) =>
      call(joinGroupApi, ApiKey.JoinGroup, 5, {
        groupId,
        sessionTimeoutMs: 1,
        rebalanceTimeoutMs: 1,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [],
      });
    expect((await join('other'))!.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect(
      (await call(heartbeatApi, ApiKey.Heartbeat, 4, {
        groupId: 'other',
        generationId: 1,
        memberId: 'm',
        groupInstanceId: null,
      }))!.errorCode,
    ).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect(forwarded).toEqual([]);
    await join('g-mine');
    expect(forwarded).toEqual(['joinGroup']);
  });

  it('OffsetCommit: the group refuses every partition; a topic without READ refuses its own', async () => {
    const { call } = setup([allow('GROUP', 'g', 'READ'), allow('TOPIC', 'seen', 'READ')]);
    const commit = (groupId: string) =>
      call(offsetCommitApi, ApiKey.OffsetCommit, 8, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: ['seen', 'unseen'].map((name) => ({
          name,
          partitions: [
            { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: '' },
          ],
        })),
      });
    const codes = (answer: KafkaStruct | null) =>
      (answer!.topics as KafkaStruct[]).map((t) => [t.name, (t.partitions as KafkaStruct[])[0]!.errorCode]);
    expect(codes(await commit('h'))).toEqual([
      ['seen', 30],
      ['unseen', 30],
    ]);
    expect(codes(await commit('g'))).toEqual([
      ['seen', 0],
      ['unseen', 29],
    ]);
  });

  it('OffsetFetch of all topics leaves out those the principal may not DESCRIBE', async () => {
    const { call } = setup([allow('GROUP', 'g', 'DESCRIBE'), allow('TOPIC', 'seen', 'DESCRIBE')]);
    const answer = await call(offsetFetchApi, ApiKey.OffsetFetch, 7, {
      groupId: 'g',
      topics: null,
      requireStable: false,
    });
    expect((answer!.topics as KafkaStruct[]).map((t) => t.name)).toEqual(['seen']);
    const refused = await call(offsetFetchApi, ApiKey.OffsetFetch, 7, {
      groupId: 'h',
      topics: null,
      requireStable: false,
    });
    expect(refused!.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  });

  it('ListGroups lists only the groups the principal may DESCRIBE, unless it may DESCRIBE the cluster', async () => {
    const some = setup([allow('GROUP', 'g-', 'DESCRIBE', 'PREFIXED')]);
    const listed = await some.call(listGroupsApi, ApiKey.ListGroups, 4, { statesFilter: [] });
    expect((listed!.groups as KafkaStruct[]).map((g) => g.groupId)).toEqual(['g-mine']);
    const all = setup([allow('CLUSTER', 'kafka-cluster', 'DESCRIBE')]);
    const everything = await all.call(listGroupsApi, ApiKey.ListGroups, 4, { statesFilter: [] });
    expect((everything!.groups as KafkaStruct[]).map((g) => g.groupId)).toEqual(['g-mine', 'other']);
  });

  it('InitProducerId: IDEMPOTENT_WRITE on the cluster or WRITE on any topic (KIP-679)', async () => {
    const request = { transactionalId: null, transactionTimeoutMs: 1, producerId: -1n, producerEpoch: -1 };
    expect((await setup([]).call(initProducerIdApi, ApiKey.InitProducerId, 4, request))!.errorCode).toBe(
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    );
    expect(
      (await setup([allow('TOPIC', 'x-', 'WRITE', 'PREFIXED')]).call(
        initProducerIdApi,
        ApiKey.InitProducerId,
        4,
        request,
      ))!.errorCode,
    ).toBe(0);
    expect(
      (await setup([allow('CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE')]).call(
        initProducerIdApi,
        ApiKey.InitProducerId,
        4,
        request,
      ))!.producerId,
    ).toBe(9n);
  });

  it('CreateAcls needs ALTER and DescribeAcls DESCRIBE on the cluster; unsupported codes fail alone', async () => {
    const creation = (resourceType: number) => ({
      resourceType,
      resourceName: 't',
      resourcePatternType: 3,
      principal: 'User:bob',
      host: '*',
      operation: 3,
      permissionType: 3,
    });
    const denied = setup([]);
    const refused = await denied.call(createAclsApi, ApiKey.CreateAcls, 3, { creations: [creation(2)] });
    expect(refused!.results).toEqual([{ errorCode: 31, errorMessage: 'Cluster authorization failed.' }]);
    expect(
      (await denied.call(describeAclsApi, ApiKey.DescribeAcls, 3, {
        resourceTypeFilter: 1,
        resourceNameFilter: null,
        patternTypeFilter: 1,
        principalFilter: null,
        hostFilter: null,
        operation: 1,
        permissionType: 1,
      }))!.errorCode,
    ).toBe(31);
    expect(denied.forwarded).toEqual([]);
    const admin = setup([allow('CLUSTER', 'kafka-cluster', 'ALTER')]);
    const created = await admin.call(createAclsApi, ApiKey.CreateAcls, 3, {
      creations: [creation(2), creation(7)],
    });
    expect((created!.results as KafkaStruct[]).map((r) => r.errorCode)).toEqual([
      0,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect(admin.forwarded).toEqual(['createAcls']);
  });
});
