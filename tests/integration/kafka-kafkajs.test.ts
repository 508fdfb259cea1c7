import { partitionForKey } from '@fjord/protocol';
import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster, waitFor } from '@fjord/testkit';
import kafkajs, { type Consumer, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, range } from './helpers.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

describe('KafkaJS 2.2 against the brokers’ Kafka listeners', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let kafka: InstanceType<typeof Kafka>;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, kafka: true });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'kafka-kafkajs-test' });
    kafka = new Kafka({
      clientId: 'kafkajs-test',
      brokers: cluster.kafkaBootstrap,
      logLevel: logLevel.NOTHING,
    });
  });
  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    await fjord?.close();
    await cluster?.stop();
  });

  it('admin creates, lists and describes topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const topic = randomName('kjs-admin');
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 2 }] })).toBe(
      true,
    );
    expect(await admin.listTopics()).toContain(topic);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0]!.partitions).toHaveLength(3);
    for (const p of topics[0]!.partitions) expect(p.replicas).toHaveLength(2);
    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: topic }],
      includeSynonyms: false,
    });
    const retention = configs.resources[0]!.configEntries.find((e) => e.configName === 'retention.ms');
    expect(retention?.isDefault).toBe(true);
    await admin.disconnect();
  });

  it('an idempotent producer writes keyed records where the SDK’s partitioner puts them; the SDK reads them', async () => {
    const topic = randomName('kjs-produce');
    const partitions = 4;
    await fjord.admin().createTopics([{ name: topic, partitions, replicationFactor: 3 }]);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const timestamp = String(Date.now() - 5_000);
    const messages = range(0, 200).map((i) => ({
      key: `user-${i % 17}`,
      value: `v${i}`,
      headers: { seq: String(i) },
      timestamp,
    }));
    const metadata = await producer.send({ topic, messages, acks: -1 });
    await producer.disconnect();
    expect(metadata.every((m) => m.errorCode === 0)).toBe(true);

    const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign(range(0, partitions).map((partition) => ({ topic, partition })));
    const records = await pollUntil(reader, 200, 30_000);
    await reader.close();
    expect(records).toHaveLength(200);
    for (const r of records) {
      const i = Number(r.headers.seq?.toString());
      expect(r.key?.toString()).toBe(`user-${i % 17}`);
      expect(r.value?.toString()).toBe(`v${i}`);
      expect(r.timestamp).toBe(Number(timestamp));
      expect(r.partition).toBe(partitionForKey(Buffer.from(`user-${i % 17}`), partitions));
    }
  });

  it('a consumer reads what the SDK wrote (keys, values, headers, timestamps, offsets) and seeks', async () => {
    const topic = randomName('kjs-consume');
    await fjord.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 3 }]);
    const producer = fjord.producer({ acks: -1 });
    const timestamp = Date.now() - 10_000;
    await producer.send({
      topic,
      messages: range(0, 30).map((i) => ({
        key: `k${i}`,
        value: `v${i}`,
        headers: { h: `x${i}` },
        timestamp,
      })),
    });
    await producer.close();

    const consumer = kafka.consumer({ groupId: randomName('kjs-seek'), heartbeatInterval: 500 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: EachMessagePayload['message'][] = [];
    let sought = false;
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message);
      },
    });
    await waitFor(() => seen.length >= 30 || undefined, {
      timeoutMs: 60_000,
      message: '30 records via KafkaJS',
    });
    expect(
      seen
        .slice(0, 30)
        .map((m) => [
          m.offset,
          m.key?.toString(),
          m.value?.toString(),
          m.headers?.h?.toString(),
          m.timestamp,
        ]),
    ).toEqual(range(0, 30).map((i) => [String(i), `k${i}`, `v${i}`, `x${i}`, String(timestamp)]));
    consumer.seek({ topic, partition: 0, offset: '25' });
    sought = true;
    await waitFor(() => seen.length >= 35 || undefined, {
      timeoutMs: 30_000,
      message: 'records again after seek',
    });
    expect(sought).toBe(true);
    expect(seen.slice(30, 35).map((m) => m.offset)).toEqual(['25', '26', '27', '28', '29']);
    await consumer.disconnect();
  });

  it('a group of three rebalances as members join and leave; every record is delivered and committed', async () => {
    const topic = randomName('kjs-group');
    const groupId = randomName('kjs-group');
    const partitions = 6;
    await fjord.admin().createTopics([{ name: topic, partitions, replicationFactor: 2 }]);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let sent = 0;
    const sendBatch = async (n: number) => {
      await producer.send({
        topic,
        acks: -1,
        messages: range(sent, sent + n).map((i) => ({ key: `k${i}`, value: String(i) })),
      });
      sent += n;
    };
    const delivered = new Set<string>();
    const byMember = new Map<number, number>();
    const start = async (index: number) => {
      const consumer = kafka.consumer({
        groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        rebalanceTimeout: 20_000,
      });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          delivered.add(message.value!.toString());
          byMember.set(index, (byMember.get(index) ?? 0) + 1);
        },
      });
      return consumer;
    };
    const allDelivered = (timeoutMs: number) =>
      waitFor(() => (delivered.size === sent ? true : undefined), {
        timeoutMs,
        message: `all ${sent} records delivered (have ${delivered.size})`,
      });

    await sendBatch(100);
    const first = await start(1);
    await allDelivered(60_000);
    const second = await start(2);
    const third = await start(3);
    await sendBatch(300);
    await allDelivered(90_000);
    const description = await fjord.admin().describeGroup(groupId);
    expect(description.members).toHaveLength(3);
    // After the rebalance every member owns two of the six partitions.
    for (const member of description.members) {
      expect(member.assignment).toHaveLength(2);
    }
    await second.disconnect();
    await sendBatch(200);
    await allDelivered(90_000);
    await third.disconnect();
    await first.disconnect();
    await producer.disconnect();
    expect(byMember.get(1)).toBeGreaterThan(0);
    expect((byMember.get(2) ?? 0) + (byMember.get(3) ?? 0)).toBeGreaterThan(0);

    // Every partition's committed offset is its end: each record was delivered and committed.
    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const endOf = new Map(ends.map((e) => [e.partition, e.high]));
    for (const p of committed[0]!.partitions) expect(p.offset).toBe(endOf.get(p.partition));
    expect(committed[0]!.partitions).toHaveLength(partitions);
  });
});
