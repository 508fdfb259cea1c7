import { randomName, waitFor } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';
import { pollUntil, range } from './helpers.js';

describe('a coordinator killed and restarted', () => {
  const setup = useCluster('coordinator-restart-test', {
    brokers: 3,
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 500,
  });

  it('still knows every broker and topic, and produce and consume resume', async () => {
    const admin = setup.fjord.admin();
    const topics = [randomName('a'), randomName('b')];
    await admin.createTopics([
      { name: topics[0]!, partitions: 3 },
      { name: topics[1]!, partitions: 2, configs: { 'retention.ms': '3600000' } },
    ]);
    const before = await admin.describeTopics(topics);
    const clusterBefore = await admin.describeCluster();
    const producer = setup.fjord.producer({ acks: 1 });
    await producer.send({
      topic: topics[0]!,
      messages: range(0, 30).map((i) => ({ key: `k${i}`, value: `v${i}` })),
    });

    await setup.cluster.coordinator.kill('SIGKILL');
    await setup.cluster.coordinator.restart();

    await waitFor(
      async () => {
        const now = await admin.describeCluster();
        return now.brokers.length === 3 && now.brokers.every((b) => b.alive);
      },
      { timeoutMs: 30_000, message: 'brokers alive again after coordinator restart' },
    );
    const clusterAfter = await admin.describeCluster();
    expect(clusterAfter.clusterId).toBe(clusterBefore.clusterId);
    expect(clusterAfter.brokers.map((b) => [b.id, b.host, b.port])).toEqual(
      clusterBefore.brokers.map((b) => [b.id, b.host, b.port]),
    );
    const after = await admin.describeTopics(topics);
    expect(after.map((t) => [t.name, t.id, t.partitions.length, t.configs['retention.ms']])).toEqual(
      before.map((t) => [t.name, t.id, t.partitions.length, t.configs['retention.ms']]),
    );
    expect((await admin.listTopics()).map((t) => t.name)).toEqual(expect.arrayContaining(topics));

    await producer.send({
      topic: topics[0]!,
      messages: range(30, 60).map((i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    await producer.close();
    const reader = setup.fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign(range(0, 3).map((partition) => ({ topic: topics[0]!, partition })));
    const records = await pollUntil(reader, 60);
    await reader.close();
    expect(records.map((r) => r.value!.toString()).sort()).toEqual(
      range(0, 60)
        .map((i) => `v${i}`)
        .sort(),
    );

    // A topic created after the restart works too.
    const fresh = randomName('fresh');
    await admin.createTopics([{ name: fresh, partitions: 1 }]);
    const [meta] = await setup.fjord.producer({ acks: 1 }).send({ topic: fresh, messages: [{ value: 'x' }] });
    expect(meta!.offset).toBe(0n);
  });
});
