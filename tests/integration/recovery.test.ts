import { rmSync } from 'node:fs';
import type { TopicDescription } from '@fjord/sdk';
import { appEntry, NodeProcess, randomName, waitFor } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';
import { pollUntil, range } from './helpers.js';

/** Recovery cases on a real 3-broker cluster: a replaced (wiped) disk, a swapped data directory. */
describe('recovery', () => {
  const setup = useCluster('recovery-test', {
    brokers: 3,
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 500,
    brokerArgs: ['--replica-lag-time-max-ms', '2000'],
    coordinatorArgs: ['--leader-imbalance-check-interval-ms', '0'],
  });

  const describeTopic = async (topic: string): Promise<TopicDescription> =>
    (await setup.fjord.admin().describeTopics([topic]))[0]!;
  const partitionState = (d: TopicDescription) => d.partitions[0]!;
  const waitForPartition = (
    topic: string,
    ok: (d: TopicDescription) => boolean,
    what: string,
    timeoutMs = 30_000,
  ) => {
    let last = '';
    return waitFor(
      async () => {
        const d = await describeTopic(topic);
        last = JSON.stringify(d.partitions.map((p) => [p.partition, p.leader, p.isr, p.elr]));
        return ok(d) ? d : undefined;
      },
      { timeoutMs, intervalMs: 200, message: () => `${what} (last: ${last})` },
    );
  };
  const fullIsr = (d: TopicDescription) => d.partitions.every((p) => p.isr.length === p.replicas.length);
  const readValues = async (topic: string, count: number): Promise<Map<bigint, string>> => {
    const consumer = setup.fjord.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign([{ topic, partition: 0 }]);
    const records = await pollUntil(consumer, count, 30_000);
    await consumer.close();
    return new Map(records.map((r) => [r.offset, r.value!.toString()]));
  };

  it('a broker restarted on a wiped data directory is unclean: it does not lead with an empty log while an eligible replica exists', async () => {
    const topic = randomName('wiped');
    await setup.fjord
      .admin()
      .createTopics([
        { name: topic, partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
      ]);
    const leader = partitionState(await describeTopic(topic)).leader;
    const [eligible, other] = partitionState(await describeTopic(topic)).replicas.filter(
      (id) => id !== leader,
    ) as [number, number];
    const producer = setup.fjord.producer({ acks: 'all', deliveryTimeoutMs: 10_000 });
    const messages = range(0, 30).map((i) => ({ key: `k${i % 3}`, value: `committed-${i}` }));
    const metas = await producer.send({ topic, messages });
    await producer.close();

    try {
      await waitForPartition(topic, fullIsr, 'every replica in the ISR');
      await setup.cluster.broker(other).stop();
      await waitForPartition(
        topic,
        (d) => partitionState(d).isr.length === 2 && partitionState(d).elr.length === 0,
        `ISR [${leader},${eligible}] without eligible replicas`,
      );
      await setup.cluster.broker(eligible).stop();
      await waitForPartition(
        topic,
        (d) => sameIds(partitionState(d).isr, [leader]) && sameIds(partitionState(d).elr, [eligible]),
        `ISR [${leader}] with ELR [${eligible}]`,
      );
      // The last ISR member crashes and its disk is replaced.
      await setup.cluster.broker(leader).kill('SIGKILL');
      await waitForPartition(topic, (d) => partitionState(d).leader === -1, 'the partition to go offline');
      rmSync(setup.cluster.broker(leader).dataDir, { recursive: true, force: true });
      await setup.cluster.broker(leader).restart();
      const waiting = await waitForPartition(
        topic,
        (d) => partitionState(d).isr.length === 0,
        'the wiped broker to leave the ISR on its (unclean) registration',
        10_000,
      );
      expect(partitionState(waiting)).toMatchObject({ leader: -1, elr: [eligible] });

      await setup.cluster.broker(eligible).restart();
      await waitForPartition(
        topic,
        (d) => partitionState(d).leader === eligible,
        'the eligible replica to lead',
      );
    } finally {
      for (const id of [other, eligible, leader])
        if (!setup.cluster.broker(id).running) await setup.cluster.broker(id).restart();
    }
    await waitForPartition(topic, fullIsr, 'every replica to rejoin the ISR', 60_000);
    const values = await readValues(topic, messages.length);
    for (const [i, meta] of metas.entries()) expect(values.get(meta.offset)).toBe(messages[i]!.value);
  });

  it("a broker started on another broker's data directory is refused, naming both ids, and deletes nothing", async () => {
    const topic = randomName('swapped');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const owner = partitionState(await describeTopic(topic)).leader;
    const producer = setup.fjord.producer({ acks: 'all' });
    const messages = range(0, 10).map((i) => ({ key: null, value: `owned-${i}` }));
    const metas = await producer.send({ topic, messages });
    await producer.close();

    const strangerId = 9;
    await setup.cluster.broker(owner).stop();
    let stranger: NodeProcess | undefined;
    try {
      const start = NodeProcess.start({
        name: `broker-${strangerId}-on-broker-${owner}-data`,
        entry: appEntry('broker'),
        args: ['--broker-id', String(strangerId), '--coordinator', setup.cluster.bootstrap],
        dataDir: setup.cluster.broker(owner).dataDir,
        readyEvent: 'registered',
        startTimeoutMs: 20_000,
      });
      start.then((node) => (stranger = node)).catch(() => undefined);
      await expect(start).rejects.toThrow(`belongs to broker ${owner}, not to broker ${strangerId}`);
    } finally {
      await stranger?.stop();
      await setup.cluster.broker(owner).restart();
    }
    await waitForPartition(topic, (d) => partitionState(d).leader === owner, 'the owner to lead again');
    const values = await readValues(topic, messages.length);
    for (const [i, meta] of metas.entries()) expect(values.get(meta.offset)).toBe(messages[i]!.value);
  });
});

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && [...a].sort().every((id, i) => id === [...b].sort()[i]);
}
