import { ERROR_CODE_METADATA_KEY, ErrorCode, loadFjordProto, type v1 } from '@fjord/protocol';
import { Fjord, TopicAuthorizationFailedError } from '@fjord/sdk';
import { type Cluster, randomName, startCluster, waitFor } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, scrape } from './metrics.js';

// A broker with --authorizer standard and a produce byte-rate quota, against a real
// coordinator: the broker copies the ACLs when a heartbeat announces a new security version,
// answers per topic, refuses a forged replica fetch, and throttles a client over its quota.
// Every listener is PLAINTEXT here (the broker's coordinator link is not secured yet), so
// every caller is User:ANONYMOUS: a super user of the coordinator, not of the broker.

const PRODUCER_BYTE_RATE = 50 * 1024;

type SecurityClient = grpc.Client & {
  createAcls(
    request: v1.CreateAclsRequest,
    callback: (error: grpc.ServiceError | null, response?: v1.CreateAclsResponse__Output) => void,
  ): void;
};

describe('broker security with real processes', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let security: SecurityClient;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 1,
      // The coordinator keeps ACLs only with an authorizer. ANONYMOUS is its super user, so the
      // broker (and this test's ACL calls) stay allowed there once the coordinator authorizes.
      coordinatorArgs: ['--authorizer', 'standard', '--super-users', 'User:ANONYMOUS'],
      brokerArgs: ['--authorizer', 'standard', '--producer-byte-rate', String(PRODUCER_BYTE_RATE)],
    });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'broker-security-test' });
    const Service = (
      loadFjordProto() as unknown as { fjord: { v1: { SecurityService: grpc.ServiceClientConstructor } } }
    ).fjord.v1.SecurityService;
    security = new Service(cluster.bootstrap, grpc.credentials.createInsecure()) as unknown as SecurityClient;
  });
  afterAll(async () => {
    security?.close();
    await fjord?.close();
    await cluster?.stop();
  });

  const allowAnonymous = (topic: string, operations: string[]) =>
    new Promise<v1.CreateAclsResponse__Output>((resolve, reject) =>
      security.createAcls(
        {
          creations: operations.map((operation) => ({
            resourceType: 'TOPIC',
            resourceName: topic,
            patternType: 'LITERAL',
            principal: 'User:ANONYMOUS',
            host: '*',
            operation,
            permission: 'ALLOW',
          })),
        },
        (error, response) => (error ? reject(error) : resolve(response!)),
      ),
    );

  it('follows the ACLs the coordinator stores: denied until allowed, per topic', async () => {
    const allowed = randomName('allowed');
    const denied = randomName('denied');
    await fjord.admin().createTopics([
      { name: allowed, partitions: 1 },
      { name: denied, partitions: 1 },
    ]);
    const producer = fjord.producer({ acks: 1 });
    try {
      // Default deny: no ACL names the topic yet.
      await expect(producer.send({ topic: allowed, messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(
        TopicAuthorizationFailedError,
      );
      const created = await allowAnonymous(allowed, ['WRITE', 'READ']);
      expect(created.results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
      // The next heartbeat announces the new security version; the broker copies it.
      await waitFor(
        async () => {
          try {
            await producer.send({ topic: allowed, messages: [{ value: 'after the ACL' }] });
            return true;
          } catch (error) {
            if (error instanceof TopicAuthorizationFailedError) return false;
            throw error;
          }
        },
        { timeoutMs: 15_000, message: 'the broker to copy the new ACLs' },
      );
      await expect(producer.send({ topic: denied, messages: [{ value: 'x' }] })).rejects.toBeInstanceOf(
        TopicAuthorizationFailedError,
      );
    } finally {
      await producer.close();
    }
  });

  it('refuses a replica fetch from a principal that is not that broker (the attack of issue #13)', async () => {
    const topic = randomName('replica');
    await fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
    await allowAnonymous(topic, ['READ']);
    const broker = cluster.brokers[0]!;
    const client = new (loadFjordProto().fjord.v1.BrokerService)(
      broker.address,
      grpc.credentials.createInsecure(),
    );
    try {
      const refusal = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.fetch(
          {
            replicaId: 1,
            maxWaitMs: 0,
            minBytes: 1,
            topics: [{ topic, partitions: [{ partition: 0, fetchOffset: '0', currentLeaderEpoch: -1 }] }],
          },
          (error) => resolve(error),
        ),
      );
      expect(refusal?.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(refusal?.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([
        String(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
      ]);
    } finally {
      client.close();
    }
  });

  it('throttles a producer over --producer-byte-rate, and the producer waits the throttle time out', async () => {
    const topic = randomName('quota');
    await fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
    await allowAnonymous(topic, ['WRITE']);
    const quotaClient = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'quota-test' });
    const producer = quotaClient.producer({ acks: 1 });
    try {
      const value = 'q'.repeat(50 * 1024);
      await waitFor(
        async () => {
          try {
            await producer.send({ topic, messages: [{ value: 'warm-up' }] });
            return true;
          } catch (error) {
            if (error instanceof TopicAuthorizationFailedError) return false;
            throw error;
          }
        },
        { timeoutMs: 15_000, message: 'the broker to copy the new ACLs' },
      );
      // 12 records of 50 KiB in the 10 s minimum window are 1.2 × the bound: about 2 s of throttle.
      const started = Date.now();
      await Promise.all(Array.from({ length: 12 }, () => producer.send({ topic, messages: [{ value }] })));
      await producer.send({ topic, messages: [{ value: 'after the throttle' }] });
      const elapsedMs = Date.now() - started;
      const throttled = metric(
        await scrape(cluster.brokers[0]!),
        'fjord_broker_quota_throttle_seconds_total',
        {
          direction: 'produce',
        },
      );
      expect(throttled).toBeGreaterThan(1);
      expect(elapsedMs).toBeGreaterThan(1_000);
    } finally {
      await producer.close();
      await quotaClient.close();
    }
  });
});
