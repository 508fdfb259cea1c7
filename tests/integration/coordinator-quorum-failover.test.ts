import { type ConsumerRecord, Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fjord as runCli } from './cli-runner.js';
import { range } from './helpers.js';

// Issue 14's "done when": with the coordinator quorum's leader SIGKILLed, a NEW idempotent
// producer is acknowledged, a topic can be created, and a consumer group resumes exactly at
// its last commit, each within 10 s of the kill.
const FAILOVER_BOUND_MS = 10_000;

describe('the coordinator quorum leader SIGKILLed (3 coordinators, 3 brokers)', () => {
  let cluster: Cluster | undefined;
  let fjord: Fjord | undefined;

  beforeAll(async () => {
    cluster = await startCluster({
      coordinators: 3,
      brokers: 3,
      sessionTimeoutMs: 3_000,
      heartbeatIntervalMs: 500,
    });
    // Every coordinator in the bootstrap list: the first contact must survive the loss of one.
    fjord = new Fjord({ bootstrap: cluster.bootstrapAddresses, clientId: 'quorum-failover-test' });
  }, 120_000);
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
  });

  it('within 10 s: a new idempotent producer is acked, a topic is created, a group resumes at its commit', async () => {
    const c = cluster!;
    const admin = fjord!.admin();
    const topic = randomName('failover');
    const groupId = randomName('group');
    await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 3 }]);
    const before = fjord!.producer({ acks: 'all' });
    await before.send({ topic, messages: range(0, 30).map((i) => ({ key: `k${i}`, value: `old-${i}` })) });

    // The group reads everything there is, commits, and leaves.
    const first = fjord!.consumer({ groupId, autoOffsetReset: 'earliest' });
    await first.subscribe([topic]);
    const read = await pollFor(first, (records) => records.length >= 30, Date.now() + 60_000);
    expect(read).toHaveLength(30);
    await first.commit();
    await first.close();
    const committed = await admin.listGroupOffsets(groupId);
    expect(committed.reduce((sum, p) => sum + p.offset, 0n)).toBe(30n);
    // Records after the commit: the group must resume with exactly these.
    await before.send({ topic, messages: range(0, 9).map((i) => ({ key: `k${i}`, value: `new-${i}` })) });
    await before.close();

    const leader = await c.leader();
    // `fjord cluster --json`, bootstrapped from one follower: the whole quorum, one leader.
    const follower = c.coordinators.find((node) => node !== leader)!;
    const quorumBefore = await clusterJson(follower.address);
    expect(quorumBefore.coordinators.map((q) => q.address)).toEqual(c.bootstrapAddresses);
    expect(quorumBefore.coordinators.filter((q) => q.leader).map((q) => q.address)).toEqual([leader.address]);
    expect(quorumBefore.brokers).toHaveLength(3);
    await leader.kill('SIGKILL');
    const killedAt = Date.now();
    const deadline = killedAt + FAILOVER_BOUND_MS;
    const elapsed = (): number => Date.now() - killedAt;

    // A client that never met the quorum before, bootstrapping from every address (one is dead).
    const fresh = new Fjord({ bootstrap: c.bootstrapAddresses, clientId: 'quorum-failover-fresh' });
    try {
      const [producerAckedMs, topicCreatedMs, groupResumed] = await Promise.all([
        (async () => {
          const producer = fresh.producer({ acks: 'all', deliveryTimeoutMs: FAILOVER_BOUND_MS });
          try {
            await producer.send({ topic, messages: [{ key: 'after', value: 'after-failover' }] });
            return elapsed();
          } finally {
            await producer.close();
          }
        })(),
        (async () => {
          await fresh.admin().createTopics([{ name: randomName('created-after'), partitions: 1 }]);
          return elapsed();
        })(),
        (async () => {
          const consumer = fresh.consumer({ groupId, autoOffsetReset: 'earliest' });
          try {
            await consumer.subscribe([topic]);
            const records = await pollFor(
              consumer,
              (got) => got.filter((r) => r.value?.toString().startsWith('new-')).length >= 9,
              deadline,
            );
            return { records, ms: elapsed() };
          } finally {
            await consumer.close();
          }
        })(),
      ]);
      console.log(
        `coordinator leader ${leader.name} SIGKILLed: new idempotent producer acked after ${producerAckedMs} ms, ` +
          `topic created after ${topicCreatedMs} ms, group resumed after ${groupResumed.ms} ms`,
      );
      expect(producerAckedMs).toBeLessThan(FAILOVER_BOUND_MS);
      expect(topicCreatedMs).toBeLessThan(FAILOVER_BOUND_MS);
      expect(groupResumed.ms).toBeLessThan(FAILOVER_BOUND_MS);

      // Exactly at the commit: each partition's first record is the committed offset, and
      // nothing read before the commit comes again.
      const values = groupResumed.records.map((r) => r.value?.toString());
      expect(values.filter((v) => v?.startsWith('old-'))).toEqual([]);
      for (const p of committed) {
        const firstOfPartition = groupResumed.records.find((r) => r.partition === p.partition);
        if (firstOfPartition) expect(firstOfPartition.offset).toBe(p.offset);
      }
      expect(values.filter((v) => v?.startsWith('new-')).sort()).toEqual(range(0, 9).map((i) => `new-${i}`));
      const next = await c.leader({ except: leader });
      expect(next).not.toBe(leader);
      // The CLI given the dead leader first still shows the quorum, with the new leader.
      const quorumAfter = await clusterJson([leader.address, follower.address].join(','));
      expect(quorumAfter.coordinators.filter((q) => q.leader).map((q) => q.address)).toEqual([next.address]);
    } finally {
      await fresh.close();
    }
  }, 180_000);
});

/** `fjord cluster --json` against `bootstrap`, parsed. */
async function clusterJson(bootstrap: string): Promise<{
  coordinators: Array<{ id: number; address: string; leader: boolean; logEnd: number; lag: number }>;
  brokers: unknown[];
}> {
  const run = await runCli(['cluster', '--json', '--bootstrap', bootstrap]);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout);
}

/** Polls `consumer` until `done(records so far)` or `deadline` (epoch ms); returns what arrived. */
async function pollFor(
  consumer: { poll(timeoutMs: number): Promise<ConsumerRecord[]> },
  done: (records: ConsumerRecord[]) => boolean,
  deadline: number,
): Promise<ConsumerRecord[]> {
  const records: ConsumerRecord[] = [];
  while (!done(records) && Date.now() < deadline) {
    records.push(...(await consumer.poll(Math.max(1, Math.min(500, deadline - Date.now())))));
  }
  return records;
}
