import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster, waitFor } from '@fjord/testkit';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, range } from './helpers.js';

describe('@platformatic/kafka against the brokers’ Kafka listeners', () => {
  let cluster: Cluster;
  let fjord: Fjord;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, kafka: true });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'kafka-platformatic-test' });
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
  });

  it('a producer writes records the SDK reads, and a consumer group reads and commits them', async () => {
    const topic = randomName('pk');
    const groupId = randomName('pk-group');
    await fjord.admin().createTopics([{ name: topic, partitions: 3, replicationFactor: 3 }]);
    const producer = new Producer({
      clientId: 'pk-producer',
      bootstrapBrokers: cluster.kafkaBootstrap,
      serializers: stringSerializers,
    });
    try {
      await producer.send({
        messages: range(0, 60).map((i) => ({
          topic,
          key: `k${i}`,
          value: `v${i}`,
          headers: { n: String(i) },
        })),
      });
    } finally {
      await producer.close();
    }
    const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign(range(0, 3).map((partition) => ({ topic, partition })));
    const records = await pollUntil(reader, 60, 30_000);
    await reader.close();
    expect(records.map((r) => r.value?.toString()).sort()).toEqual(
      range(0, 60)
        .map((i) => `v${i}`)
        .sort(),
    );
    for (const r of records) expect(`v${r.headers.n?.toString()}`).toBe(r.value?.toString());

    const consumer = new Consumer({
      groupId,
      clientId: 'pk-consumer',
      bootstrapBrokers: cluster.kafkaBootstrap,
      deserializers: stringDeserializers,
    });
    const seen = new Set<string>();
    try {
      const stream = await consumer.consume({
        autocommit: 100,
        topics: [topic],
        mode: 'earliest',
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
      });
      stream.on('data', (message) => {
        seen.add(String(message.value));
      });
      await waitFor(() => (seen.size === 60 ? true : undefined), {
        timeoutMs: 60_000,
        message: () => `60 records through the @platformatic/kafka group (have ${seen.size})`,
      });
      await waitFor(
        async () => {
          const offsets = await fjord.admin().listGroupOffsets(groupId);
          const total = offsets.reduce((n, o) => n + Number(o.offset), 0);
          return total === 60 ? offsets : undefined;
        },
        { timeoutMs: 30_000, message: 'the group committed every partition to its end' },
      );
      const description = await fjord.admin().describeGroup(groupId);
      expect(description.members).toHaveLength(1);
      await stream.close();
    } finally {
      await consumer.close(true);
    }
  });
});
