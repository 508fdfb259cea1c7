import { randomUUID } from 'node:crypto';
import { ApiKey, type KafkaStruct, ZERO_UUID } from '@fjord/kafka-protocol';
import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster, waitFor } from '@fjord/testkit';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { range } from './helpers.js';
import { RawKafka } from './kafka-raw.js';

interface TopicPartitions {
  topicId: string;
  partitions: number[];
}

const partitionsOf = (answer: KafkaStruct): number[] =>
  ((answer.assignment as { topicPartitions: TopicPartitions[] } | null)?.topicPartitions ?? [])
    .flatMap((t) => t.partitions)
    .sort((a, b) => a - b);

describe('KIP-848 consumer groups (ConsumerGroupHeartbeat) on the brokers’ Kafka listeners', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let admin: Admin;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 2, kafka: true });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'kafka-kip848-test' });
    admin = new Admin({ clientId: 'kip848-admin', bootstrapBrokers: cluster.kafkaBootstrap });
  });
  afterAll(async () => {
    await admin?.close();
    await fjord?.close();
    await cluster?.stop();
  });

  it('@platformatic/kafka with groupProtocol consumer: two members split the partitions, read every record and commit', async () => {
    const topic = randomName('kip848');
    const groupId = randomName('kip848-group');
    // @platformatic/kafka's Admin speaks CreateTopics v7 and DeleteTopics v6 only.
    const [created] = await admin.createTopics({ topics: [topic], partitions: 4, replicas: 1 });
    expect(created).toMatchObject({ name: topic, partitions: 4, replicas: 1 });
    expect(created?.id).not.toBe(ZERO_UUID);
    const seen = new Set<string>();
    // Partition -> the members (by index) that read records of it.
    const readers = new Map<number, Set<number>>();
    const members = ['a', 'b'].map(
      (name) =>
        new Consumer({
          groupId,
          clientId: `kip848-${name}`,
          bootstrapBrokers: cluster.kafkaBootstrap,
          deserializers: stringDeserializers,
          groupProtocol: 'consumer',
        }),
    );
    const streams: Array<{ close(): Promise<void> }> = [];
    try {
      for (const [i, consumer] of members.entries()) {
        // A short fetch wait: a fetch sent before a revocation answers soon (the client does
        // not drop what such a fetch brings of a revoked partition).
        const stream = await consumer.consume({
          autocommit: 100,
          topics: [topic],
          mode: 'earliest',
          maxWaitTime: 200,
        });
        stream.on('data', (message) => {
          seen.add(String(message.value));
          readers.set(message.partition, (readers.get(message.partition) ?? new Set()).add(i));
        });
        streams.push(stream);
      }
      await waitFor(
        async () => {
          const group = await fjord.admin().describeGroup(groupId);
          const owned = group.members.map((m) => m.assignment.length);
          return owned.length === 2 && owned.every((n) => n === 2) ? group : undefined;
        },
        { timeoutMs: 60_000, message: 'both KIP-848 members own two partitions each' },
      );
      // Produced once the group has settled and fetches sent before it were answered, so each
      // member reads only its own two partitions.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const producer = new Producer({
        clientId: 'kip848-producer',
        bootstrapBrokers: cluster.kafkaBootstrap,
        serializers: stringSerializers,
      });
      try {
        await producer.send({
          messages: range(0, 80).map((i) => ({ topic, partition: i % 4, key: `k${i}`, value: `v${i}` })),
        });
      } finally {
        await producer.close();
      }
      await waitFor(() => (seen.size === 80 ? true : undefined), {
        timeoutMs: 60_000,
        message: () => `80 records through the KIP-848 group (have ${seen.size})`,
      });
      const owners = members.map((m) => m.assignments?.flatMap((a) => a.partitions) ?? []);
      expect(owners.flat().sort()).toEqual([0, 1, 2, 3]);
      for (const [partition, by] of readers) {
        expect({ partition, readBy: [...by] }).toEqual({
          partition,
          readBy: [owners.findIndex((p) => p.includes(partition))],
        });
      }
      await waitFor(
        async () => {
          const offsets = await fjord.admin().listGroupOffsets(groupId);
          return offsets.reduce((n, o) => n + Number(o.offset), 0) === 80 ? offsets : undefined;
        },
        { timeoutMs: 30_000, message: 'the KIP-848 group committed every partition to its end' },
      );
    } finally {
      await Promise.allSettled(streams.map((stream) => stream.close()));
      await Promise.allSettled(members.map((c) => c.close(true)));
    }
    // Leaving is a heartbeat with epoch -1: the group is empty afterwards.
    await waitFor(
      async () => ((await fjord.admin().describeGroup(groupId)).members.length === 0 ? true : undefined),
      { timeoutMs: 30_000, message: 'both members left the group' },
    );
    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('one group, two kinds of member: a Fjord SDK consumer and a KIP-848 Kafka client share its partitions', async () => {
    const topic = randomName('kip848-mixed');
    const groupId = randomName('kip848-mixed-group');
    await fjord.admin().createTopics([{ name: topic, partitions: 4, replicationFactor: 1 }]);
    const sdk = fjord.consumer({ groupId, autoOffsetReset: 'earliest' });
    await sdk.subscribe([topic]);
    const sdkValues: string[] = [];
    let polling = true;
    // The SDK consumer heartbeats while it polls.
    const pollLoop = (async () => {
      while (polling) for (const r of await sdk.poll(200)) sdkValues.push(String(r.value));
    })();
    const kafka = new Consumer({
      groupId,
      clientId: 'kip848-mixed',
      bootstrapBrokers: cluster.kafkaBootstrap,
      deserializers: stringDeserializers,
      groupProtocol: 'consumer',
    });
    const kafkaValues: string[] = [];
    let stream: { close(): Promise<void> } | undefined;
    try {
      const messages = await kafka.consume({
        topics: [topic],
        mode: 'earliest',
        autocommit: 100,
        maxWaitTime: 200,
      });
      messages.on('data', (message) => kafkaValues.push(String(message.value)));
      stream = messages;
      await waitFor(
        async () => {
          const group = await fjord.admin().describeGroup(groupId);
          const owned = group.members.map((m) => m.assignment.length);
          return owned.length === 2 && owned.every((n) => n === 2) ? group : undefined;
        },
        { timeoutMs: 60_000, message: 'the SDK member and the Kafka member own two partitions each' },
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await fjord.producer().send({
        topic,
        messages: range(0, 80).map((i) => ({ partition: i % 4, value: Buffer.from(`v${i}`) })),
      });
      await waitFor(() => (sdkValues.length + kafkaValues.length >= 80 ? true : undefined), {
        timeoutMs: 60_000,
        message: () =>
          `80 records between the two members (have ${sdkValues.length} + ${kafkaValues.length})`,
      });
      expect({ sdk: sdkValues.length, kafka: kafkaValues.length }).toEqual({ sdk: 40, kafka: 40 });
      expect([...sdkValues, ...kafkaValues].sort()).toEqual(
        range(0, 80)
          .map((i) => `v${i}`)
          .sort(),
      );
    } finally {
      polling = false;
      await pollLoop;
      await sdk.close();
      await stream?.close();
      await kafka.close(true);
    }
  });

  it('answers incremental heartbeats (null fields = unchanged), ConsumerGroupDescribe and bad member ids', async () => {
    const topic = randomName('kip848-raw');
    const groupId = randomName('kip848-raw-group');
    await fjord.admin().createTopics([{ name: topic, partitions: 3, replicationFactor: 1 }]);
    const [topicInfo] = await fjord.admin().describeTopics([topic]);
    const raw = await RawKafka.open(cluster.broker(1).kafkaPort!);
    try {
      const memberId = randomUUID();
      const join = await raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId,
        memberId,
        memberEpoch: 0,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: [topic],
        topicPartitions: [],
      });
      expect(join).toMatchObject({ errorCode: 0, memberId, heartbeatIntervalMs: expect.any(Number) });
      const epoch = join.memberEpoch as number;
      expect(epoch).toBeGreaterThan(0);
      expect(partitionsOf(join)).toEqual([0, 1, 2]);
      const [assigned] = (join.assignment as { topicPartitions: TopicPartitions[] }).topicPartitions;
      expect(assigned?.topicId).toBe(topicInfo?.id);

      // What Kafka's Java client sends once nothing changed: every optional field null.
      const keepAlive = await raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId,
        memberId,
        memberEpoch: epoch,
        rebalanceTimeoutMs: -1,
        subscribedTopicNames: null,
        subscribedTopicRegex: null,
        topicPartitions: null,
      });
      expect(keepAlive).toMatchObject({ errorCode: 0, memberEpoch: epoch });
      expect(partitionsOf(keepAlive)).toEqual([0, 1, 2]);

      const [described] = (
        await raw.request(ApiKey.ConsumerGroupDescribe, 0, {
          groupIds: [groupId],
          includeAuthorizedOperations: false,
        })
      ).groups as KafkaStruct[];
      expect(described).toMatchObject({
        errorCode: 0,
        groupId,
        groupState: 'Stable',
        assignorName: 'uniform',
        members: [
          {
            memberId,
            memberEpoch: epoch,
            subscribedTopicNames: [topic],
            assignment: {
              topicPartitions: [{ topicId: topicInfo?.id, topicName: topic, partitions: [0, 1, 2] }],
            },
          },
        ],
      });

      // v1 clients choose their member id (KIP-1082): an empty one is refused.
      const anonymous = await raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId,
        memberId: '',
        memberEpoch: 0,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: [topic],
        topicPartitions: [],
      });
      expect(anonymous.errorCode).toBe(42);
      const fenced = await raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId,
        memberId,
        memberEpoch: epoch + 5,
        rebalanceTimeoutMs: -1,
        subscribedTopicNames: null,
        topicPartitions: null,
      });
      expect(fenced.errorCode).toBe(110); // FENCED_MEMBER_EPOCH

      const left = await raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId,
        memberId,
        memberEpoch: -1,
        rebalanceTimeoutMs: -1,
        subscribedTopicNames: null,
        topicPartitions: null,
      });
      expect(left).toMatchObject({ errorCode: 0, memberEpoch: -1, assignment: null });
      expect((await fjord.admin().describeGroup(groupId)).members).toEqual([]);
    } finally {
      raw.close();
    }
  });

  it('keeps classic and KIP-848 groups apart, as Kafka does', async () => {
    const topic = randomName('kip848-apart');
    const classicGroup = randomName('classic-group');
    await fjord.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const classic = new Consumer({
      groupId: classicGroup,
      clientId: 'kip848-classic',
      bootstrapBrokers: cluster.kafkaBootstrap,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
    });
    const raw = await RawKafka.open(cluster.broker(1).kafkaPort!);
    try {
      const stream = await classic.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      const heartbeat = await raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId: classicGroup,
        memberId: randomUUID(),
        memberEpoch: 0,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: [topic],
        topicPartitions: [],
      });
      expect(heartbeat.errorCode).toBe(23); // INCONSISTENT_GROUP_PROTOCOL
      const [described] = (
        await raw.request(ApiKey.ConsumerGroupDescribe, 0, {
          groupIds: [classicGroup],
          includeAuthorizedOperations: false,
        })
      ).groups as KafkaStruct[];
      expect(described?.errorCode).toBe(69); // GROUP_ID_NOT_FOUND: not a consumer group

      // The other way round: a KIP-848 group refuses a classic JoinGroup.
      const kip848Group = randomName('kip848-only');
      const joined = await raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
        groupId: kip848Group,
        memberId: randomUUID(),
        memberEpoch: 0,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: [topic],
        topicPartitions: [],
      });
      expect(joined.errorCode).toBe(0);
      const classicJoin = await raw.request(ApiKey.JoinGroup, 9, {
        groupId: kip848Group,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
        reason: null,
      });
      expect(classicJoin.errorCode).toBe(23);

      // ListGroups v5 names each group's type and filters by it (without regard to case).
      const listed = async (typesFilter: string[]) =>
        ((await raw.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter })).groups as KafkaStruct[])
          .filter((g) => g.groupId === classicGroup || g.groupId === kip848Group)
          .map((g) => [g.groupId, g.groupType]);
      expect(await listed(['consumer'])).toEqual([[kip848Group, 'consumer']]);
      expect(await listed(['CLASSIC'])).toEqual([[classicGroup, 'classic']]);
      expect((await listed([])).length).toBe(2);
      await stream.close();
    } finally {
      raw.close();
      await classic.close(true);
    }
  });
});
