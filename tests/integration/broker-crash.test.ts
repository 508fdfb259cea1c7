import { Fjord, type RecordMetadata } from '@fjord/sdk';
import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byPartition, offsetsOf, pollUntil, range } from './helpers.js';

describe('a broker killed with SIGKILL during produce', () => {
  let cluster: Cluster;
  let fjord: Fjord;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 3_000, heartbeatIntervalMs: 500 });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'broker-crash-test' });
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
  });

  it('loses no acknowledged record and serves the same records at the same offsets after restart', async () => {
    const topic = randomName('crash');
    const partitions = 6;
    const admin = fjord.admin();
    await admin.createTopics([{ name: topic, partitions }]);
    const [described] = await admin.describeTopics([topic]);
    const victim = 2;
    const victimPartitions = described!.partitions.filter((p) => p.leader === victim).map((p) => p.partition);
    expect(victimPartitions.length).toBeGreaterThan(0);

    const acked: Array<{ meta: RecordMetadata; value: string }> = [];
    const producer = fjord.producer({ acks: 1, deliveryTimeoutMs: 60_000 });
    let stop = false;
    let sent = 0;
    const produceLoop = (async () => {
      while (!stop) {
        const messages = range(sent, sent + 60).map((i) => ({ key: `k${i % 97}`, value: `value-${i}` }));
        sent += messages.length;
        const metas = await producer.send({ topic, messages });
        for (const [i, meta] of metas.entries()) acked.push({ meta, value: messages[i]!.value });
      }
    })();

    const waitForAcked = async (n: number) => {
      const deadline = Date.now() + 60_000;
      while (acked.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(acked.length).toBeGreaterThanOrEqual(n);
    };
    await waitForAcked(2_000);

    await cluster.broker(victim).kill('SIGKILL');
    const ackedAtKill = acked.length;
    await new Promise((r) => setTimeout(r, 1_000));
    await cluster.broker(victim).restart();
    await cluster.waitForBrokers({ alive: [1, 2, 3] });
    await waitForAcked(ackedAtKill + 3_000);
    stop = true;
    await produceLoop;
    await producer.close();

    const latest = await admin.listOffsets(topic, 'latest');
    const total = latest.reduce((sum, p) => sum + Number(p.offset), 0);
    const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign(range(0, partitions).map((partition) => ({ topic, partition })));
    const records = await pollUntil(reader, total, 60_000);
    await reader.close();
    expect(records).toHaveLength(total);

    const stored = new Map<string, string>();
    for (const [partition, list] of byPartition(records)) {
      expect(offsetsOf(list)).toEqual(range(0, list.length));
      for (const r of list) stored.set(`${partition}:${r.offset}`, r.value!.toString());
    }
    // Every acknowledged record is there, at the offset it was acknowledged with.
    const missing = acked.filter(
      ({ meta, value }) => stored.get(`${meta.partition}:${meta.offset}`) !== value,
    );
    expect(missing).toEqual([]);
    // The victim's partitions were written to both before the kill and after the restart.
    for (const partition of victimPartitions) {
      const before = acked.slice(0, ackedAtKill).filter((a) => a.meta.partition === partition);
      const after = acked.slice(ackedAtKill).filter((a) => a.meta.partition === partition);
      expect(before.length).toBeGreaterThan(0);
      expect(after.length).toBeGreaterThan(0);
    }
  });
});
