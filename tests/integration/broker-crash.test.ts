import { randomName } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';
import { missingAcks, offsetsOf, range, readWholeTopic, SteadyProducer } from './helpers.js';

describe('a broker killed with SIGKILL during produce', () => {
  const setup = useCluster('broker-crash-test', {
    brokers: 3,
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 500,
  });

  it('loses no acknowledged record and serves the same records at the same offsets after restart', async () => {
    const topic = randomName('crash');
    const partitions = 6;
    const admin = setup.fjord.admin();
    await admin.createTopics([{ name: topic, partitions }]);
    const [described] = await admin.describeTopics([topic]);
    const victim = 2;
    const victimPartitions = described!.partitions.filter((p) => p.leader === victim).map((p) => p.partition);
    expect(victimPartitions.length).toBeGreaterThan(0);

    const producer = new SteadyProducer(setup.fjord, topic, { acks: 1 });
    producer.start();
    expect(await producer.waitForAcked(2_000)).toBeGreaterThanOrEqual(2_000);

    await setup.cluster.broker(victim).kill('SIGKILL');
    const ackedAtKill = producer.acked.length;
    await new Promise((r) => setTimeout(r, 1_000));
    await setup.cluster.broker(victim).restart();
    await setup.cluster.waitForBrokers({ alive: [1, 2, 3] });
    expect(await producer.waitForAcked(ackedAtKill + 3_000)).toBeGreaterThanOrEqual(ackedAtKill + 3_000);
    await producer.stop();

    const stored = await readWholeTopic(setup.fjord, topic);
    for (const list of stored.values()) expect(offsetsOf(list)).toEqual(range(0, list.length));
    // Every acknowledged record is there, at the offset it was acknowledged with.
    expect(missingAcks(producer.acked, stored)).toEqual([]);
    // The victim's partitions were written to both before the kill and after the restart.
    for (const partition of victimPartitions) {
      const before = producer.acked.slice(0, ackedAtKill).filter((a) => a.meta.partition === partition);
      const after = producer.acked.slice(ackedAtKill).filter((a) => a.meta.partition === partition);
      expect(before.length).toBeGreaterThan(0);
      expect(after.length).toBeGreaterThan(0);
    }
  });
});
