import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } =
  kafkajs;

// KafkaJS's admin ACL calls (CreateAcls, DescribeAcls, DeleteAcls v1) through a broker's Kafka
// listener, forwarded to the coordinators' SecurityService, which keeps the ACLs in the
// metadata log. The coordinators run the standard authorizer; the broker's principal on this
// PLAINTEXT cluster is User:ANONYMOUS, made a super user so that the forwarded calls pass.
describe('Kafka ACL APIs forwarded to the coordinator', () => {
  let cluster: Cluster;
  let kafka: InstanceType<typeof Kafka>;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 1,
      kafka: true,
      coordinatorArgs: ['--authorizer', 'standard', '--super-users', 'User:ANONYMOUS'],
    });
    kafka = new Kafka({
      clientId: 'kafka-acls-test',
      brokers: cluster.kafkaBootstrap,
      logLevel: logLevel.NOTHING,
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('creates, describes and deletes ACLs as Kafka’s admin does', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const topic = randomName('acl-topic');
    const acl = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: 'User:alice',
      host: '*',
      operation: AclOperationTypes.WRITE,
      permissionType: AclPermissionTypes.ALLOW,
    };
    try {
      expect(await admin.createAcls({ acl: [acl, { ...acl, operation: AclOperationTypes.READ }] })).toBe(
        true,
      );
      const filter = {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topic,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      };
      const described = await admin.describeAcls(filter);
      expect(described.resources).toHaveLength(1);
      expect(described.resources[0]).toMatchObject({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topic,
        resourcePatternType: ResourcePatternTypes.PREFIXED,
      });
      expect(described.resources[0]!.acls.map((a) => a.operation).sort()).toEqual(
        [AclOperationTypes.READ, AclOperationTypes.WRITE].sort(),
      );
      const deleted = await admin.deleteAcls({
        filters: [{ ...filter, operation: AclOperationTypes.WRITE }],
      });
      expect(deleted.filterResponses[0]!.matchingAcls).toMatchObject([
        { resourceName: topic, principal: 'User:alice', operation: AclOperationTypes.WRITE, errorCode: 0 },
      ]);
      const after = await admin.describeAcls(filter);
      expect(after.resources[0]!.acls.map((a) => a.operation)).toEqual([AclOperationTypes.READ]);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
