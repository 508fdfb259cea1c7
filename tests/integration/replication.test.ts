import { Fjord, type FjordError, type TopicDescription } from '@fjord/sdk';
import { type Cluster, randomName, startCluster, waitFor } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, range } from './helpers.js';
import { metric, scrape } from './metrics.js';

/** Replication basics on a real 3-broker cluster: RF=3, min.insync.replicas, SIGTERM handover, preferred election. */
describe('replication', () => {
  let cluster: Cluster;
  let fjord: Fjord;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      sessionTimeoutMs: 3_000,
      heartbeatIntervalMs: 500,
      brokerArgs: ['--replica-lag-time-max-ms', '2000'],
      // Preferred elections run on demand in this file; the fault test covers the automatic one.
      coordinatorArgs: ['--leader-imbalance-check-interval-ms', '0'],
    });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'replication-test' });
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
  });

  const describeTopic = async (topic: string): Promise<TopicDescription> =>
    (await fjord.admin().describeTopics([topic]))[0]!;

  const waitForPartitions = (
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

  /** Reads partition 0 from the start: every acked value is at its offset. Returns all values read. */
  const expectAckedAtTheirOffsets = async (
    topic: string,
    acked: ReadonlyArray<{ offset: bigint; value: string }>,
  ): Promise<string[]> => {
    const consumer = fjord.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign([{ topic, partition: 0 }]);
    const records = await pollUntil(consumer, acked.length, 30_000);
    await consumer.close();
    const values = new Map(records.map((r) => [r.offset, r.value!.toString()]));
    for (const a of acked) expect(values.get(a.offset)).toBe(a.value);
    return [...values.values()];
  };

  it('places RF=3 replicas on distinct brokers with spread leaders; acks=all records are readable', async () => {
    const topic = randomName('rf3');
    const admin = fjord.admin();
    await admin.createTopics([
      { name: topic, partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
    ]);
    const described = await describeTopic(topic);
    for (const p of described.partitions) {
      expect(new Set(p.replicas).size).toBe(3);
      expect(p.leader).toBe(p.replicas[0]);
      expect(p.isr.sort()).toEqual([...p.replicas].sort());
    }
    expect(new Set(described.partitions.map((p) => p.leader)).size).toBe(3);

    const producer = fjord.producer({ acks: 'all' });
    const messages = range(0, 300).map((i) => ({ key: `k${i % 17}`, value: `v${i}` }));
    const metas = await producer.send({ topic, messages });
    await producer.close();
    const consumer = fjord.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign(range(0, 3).map((partition) => ({ topic, partition })));
    const records = await pollUntil(consumer, 300, 30_000);
    await consumer.close();
    const stored = new Map(records.map((r) => [`${r.partition}:${r.offset}`, r.value!.toString()]));
    metas.forEach((meta, i) => {
      expect(stored.get(`${meta.partition}:${meta.offset}`)).toBe(messages[i]!.value);
    });
  });

  it('refuses a replication factor above the number of live brokers', async () => {
    await expect(
      fjord.admin().createTopics([{ name: randomName('rf4'), partitions: 1, replicationFactor: 4 }]),
    ).rejects.toMatchObject({ code: 'INVALID_REPLICATION_FACTOR' });
  });

  it('with only the leader in the ISR and min.insync.replicas=2, refuses acks=all but takes acks=1', async () => {
    const topic = randomName('minisr');
    await fjord
      .admin()
      .createTopics([
        { name: topic, partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
      ]);
    const [p] = (await describeTopic(topic)).partitions;
    const leader = p!.leader;
    const followers = p!.replicas.filter((id) => id !== leader);
    const acked: Array<{ offset: bigint; value: string }> = [];
    const acksAll = fjord.producer({ acks: 'all', deliveryTimeoutMs: 3_000 });
    const acksOne = fjord.producer({ acks: 1, deliveryTimeoutMs: 10_000 });
    for (const meta of await acksAll.send({ topic, messages: [{ key: 'a', value: 'before' }] })) {
      acked.push({ offset: meta.offset, value: 'before' });
    }

    try {
      await Promise.all(followers.map((id) => cluster.broker(id).kill('SIGKILL')));
      await waitForPartitions(
        topic,
        (d) => d.partitions[0]!.isr.length === 1,
        'the ISR to shrink to the leader',
      );
      // The coordinator knows first; the leader learns it with its next heartbeat. Until
      // then it would take the write and answer NOT_ENOUGH_REPLICAS_AFTER_APPEND, with the
      // record stored (as Kafka does); this test is about the refusal before appending.
      await waitFor(
        async () =>
          metric(await scrape(cluster.broker(leader)), 'fjord_broker_isr_size', { topic, partition: '0' }) ===
          1,
        {
          timeoutMs: 30_000,
          intervalMs: 100,
          message: () => `broker ${leader} to see the ISR of ${topic}/0 shrink to itself`,
        },
      );
      const refused = await acksAll.send({ topic, messages: [{ key: 'a', value: 'refused' }] }).then(
        () => undefined,
        (error: FjordError) => error,
      );
      expect(refused).toBeDefined();
      expect(`${refused!.message} ${String((refused!.cause as Error | undefined)?.message)}`).toMatch(
        /min\.insync\.replicas/,
      );
      expect((refused!.cause as FjordError | undefined)?.code).toBe('NOT_ENOUGH_REPLICAS');
      const [one] = await acksOne.send({ topic, messages: [{ key: 'a', value: 'acks-1' }] });
      acked.push({ offset: one!.offset, value: 'acks-1' });
    } finally {
      for (const id of followers) await cluster.broker(id).restart();
    }
    // Restarted followers catch up and rejoin the ISR; acks=all works again.
    await waitForPartitions(topic, fullIsr, 'the followers to rejoin the ISR');
    const [after] = await acksAll.send({ topic, messages: [{ key: 'a', value: 'after' }] });
    acked.push({ offset: after!.offset, value: 'after' });
    await acksAll.close();
    await acksOne.close();

    const values = await expectAckedAtTheirOffsets(topic, acked);
    expect(values).not.toContain('refused');
  });

  it('last replica standing (KIP-966): the crashed last ISR member waits for an eligible replica, which leads without losing a committed record', async () => {
    const topic = randomName('elr');
    await fjord
      .admin()
      .createTopics([
        { name: topic, partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
      ]);
    const [p] = (await describeTopic(topic)).partitions;
    const leader = p!.leader;
    const [eligible, other] = p!.replicas.filter((id) => id !== leader) as [number, number];
    const acksAll = fjord.producer({ acks: 'all', deliveryTimeoutMs: 10_000 });
    const acksOne = fjord.producer({ acks: 1, deliveryTimeoutMs: 10_000 });
    const committed = range(0, 40).map((i) => ({ key: `k${i % 5}`, value: `committed-${i}` }));
    const acked = (await acksAll.send({ topic, messages: committed })).map((meta, i) => ({
      offset: meta.offset,
      value: committed[i]!.value,
    }));
    const partitionState = (d: TopicDescription) => d.partitions[0]!;

    try {
      // Clean stops: `other` leaves with the ISR still at 2; `eligible` leaves it below
      // min.insync.replicas, so it keeps every committed record and becomes eligible. (On a
      // busy machine the leader may have dropped slow followers from the ISR meanwhile, and
      // each that left below the minimum is eligible too: start from a known state.)
      await waitForPartitions(topic, fullIsr, 'every replica in the ISR');
      await cluster.broker(other).stop();
      await waitForPartitions(
        topic,
        (d) => sameIds(partitionState(d).isr, [leader, eligible]) && partitionState(d).elr.length === 0,
        `ISR [${leader},${eligible}] without eligible replicas`,
      );
      await cluster.broker(eligible).stop();
      await waitForPartitions(
        topic,
        (d) => sameIds(partitionState(d).isr, [leader]) && sameIds(partitionState(d).elr, [eligible]),
        `ISR [${leader}] with ELR [${eligible}]`,
      );
      // Below min.insync.replicas an acks=1 write is taken but never committed (strict min ISR).
      const [uncommitted] = await acksOne.send({ topic, messages: [{ key: 'k0', value: 'uncommitted' }] });
      expect(uncommitted!.offset).toBe(BigInt(committed.length));
      const [latest] = await fjord.admin().listOffsets(topic, 'latest');
      expect(latest!.offset).toBe(BigInt(committed.length));

      // The last ISR member crashes, then comes back first: it may have lost what it had not
      // flushed, so it must not lead while an eligible replica exists.
      await cluster.broker(leader).kill('SIGKILL');
      await waitForPartitions(topic, (d) => partitionState(d).leader === -1, 'the partition to go offline');
      await cluster.broker(leader).restart();
      const waiting = await waitForPartitions(
        topic,
        (d) => partitionState(d).isr.length === 0,
        'the crashed leader to leave the ISR on its unclean restart',
      );
      expect(partitionState(waiting)).toMatchObject({ leader: -1, elr: [eligible] });
      await sleep(1_500);
      expect(partitionState(await describeTopic(topic)).leader).toBe(-1);

      await cluster.broker(eligible).restart();
      await waitForPartitions(
        topic,
        (d) => partitionState(d).leader === eligible,
        'the eligible replica to lead',
      );
    } finally {
      for (const id of [other, eligible, leader])
        if (!cluster.broker(id).running) await cluster.broker(id).restart();
    }
    await waitForPartitions(topic, fullIsr, 'every replica to rejoin the ISR', 60_000);
    const after = await acksAll.send({ topic, messages: [{ key: 'k0', value: 'after' }] });
    acked.push({ offset: after[0]!.offset, value: 'after' });
    await acksAll.close();
    await acksOne.close();

    const values = await expectAckedAtTheirOffsets(topic, acked);
    // The eligible replica never had the uncommitted record; the old leader truncated it.
    expect(values).not.toContain('uncommitted');
  });

  it('a broker stopped with SIGTERM hands its leaderships over before it exits; preferred election brings them back', async () => {
    const topic = randomName('handover');
    await fjord
      .admin()
      .createTopics([
        { name: topic, partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
      ]);
    await waitForPartitions(topic, fullIsr, 'a full ISR');
    const victim = (await describeTopic(topic)).partitions[0]!.leader;

    const producer = fjord.producer({ acks: 'all', deliveryTimeoutMs: 30_000 });
    const failures: unknown[] = [];
    let acked = 0;
    let stop = false;
    const loop = (async () => {
      let i = 0;
      while (!stop) {
        const messages = range(i, i + 20).map((n) => ({ key: `k${n % 11}`, value: `v${n}` }));
        i += 20;
        try {
          acked += (await producer.send({ topic, messages })).length;
        } catch (error) {
          failures.push(error);
        }
      }
    })();
    await waitFor(() => acked >= 200, { timeoutMs: 30_000, message: 'records acknowledged before the stop' });

    const handedOver = cluster
      .broker(victim)
      .waitForLog('controlled shutdown complete', { timeoutMs: 20_000 });
    const exit = await cluster.broker(victim).stop();
    expect(exit?.code).toBe(0);
    const log = await handedOver;
    expect(log.remainingLeaderships).toBe(0);
    // Right after the exit, well inside the 3 s session timeout: nothing is led by the victim.
    const after = await describeTopic(topic);
    for (const p of after.partitions) {
      expect(p.leader).not.toBe(victim);
      expect(p.leader).toBeGreaterThanOrEqual(0);
    }
    const ackedAtStop = acked;
    await waitFor(() => acked >= ackedAtStop + 200, { timeoutMs: 30_000, message: 'acks after the stop' });
    expect(failures).toEqual([]);

    await cluster.broker(victim).restart();
    await waitForPartitions(topic, fullIsr, 'the restarted broker to rejoin the ISR');
    const results = await fjord.admin().electLeaders([topic]);
    expect(results.find((r) => r.partition === 0)).toMatchObject({ outcome: 'elected', leader: victim });
    const final = await describeTopic(topic);
    for (const p of final.partitions) expect(p.leader).toBe(p.replicas[0]);
    expect((await fjord.admin().electLeaders([topic])).every((r) => r.outcome === 'already-preferred')).toBe(
      true,
    );

    stop = true;
    await loop;
    await producer.close();
    expect(failures).toEqual([]);
  });
});

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && [...a].sort().every((id, i) => id === [...b].sort()[i]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
