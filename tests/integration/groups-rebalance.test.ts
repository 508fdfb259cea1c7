import type { Consumer, ConsumerRecord, Fjord } from '@fjord/sdk';
import { randomName, sleep, waitFor } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';
import { range } from './helpers.js';

const keys = (c: Consumer) =>
  c
    .assignment()
    .map((tp) => `${tp.topic}:${tp.partition}`)
    .sort();

/** Keeps consumers polling in the background (as applications do) until stopped. */
function keepPolling(consumers: Consumer[], sink: ConsumerRecord[] = []) {
  let running = true;
  const loops = consumers.map(async (c) => {
    while (running && !c.closed) sink.push(...(await c.poll(100).catch(() => [])));
  });
  return {
    sink,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('consumer group rebalancing', () => {
  const setup = useCluster('groups-rebalance-test', { brokers: 1 });

  it('a closing member hands its partitions over within 1 s: the other is reading them by then', async () => {
    const topic = randomName('handover');
    const groupId = randomName('g');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 6 }]);
    const [a, b] = [
      setup.fjord.consumer({ groupId, autoOffsetReset: 'earliest' }),
      setup.fjord.consumer({ groupId, autoOffsetReset: 'earliest' }),
    ];
    await a.subscribe([topic]);
    await b.subscribe([topic]);
    const polling = keepPolling([a]);
    const bLoop = keepPolling([b]);
    await waitFor(() => a.assignment().length === 3 && b.assignment().length === 3, { timeoutMs: 20_000 });
    await bLoop.stop();
    // One record on each of b's partitions that b never hands out: a must fetch it from there.
    const bPartitions = b.assignment().map((tp) => tp.partition);
    const producer = setup.fjord.producer({ acks: 1 });
    await producer.send({ topic, messages: bPartitions.map((partition) => ({ value: 'moved', partition })) });
    await producer.close();
    // From the moment close() is called: the leave, the reassignment reaching a (a settled
    // member, so only through its held heartbeat), a's committed-offset lookup and first fetch.
    const started = Date.now();
    await b.close();
    await waitFor(
      () =>
        a.assignment().length === 6 &&
        bPartitions.every((p) =>
          polling.sink.some((r) => r.partition === p && r.value?.toString() === 'moved'),
        ),
      { timeoutMs: 10_000, intervalMs: 5 },
    );
    const tookMs = Date.now() - started;
    // Typically 15-50 ms here (no heartbeat interval on the path); the bound is 1 s.
    expect(tookMs).toBeLessThanOrEqual(1_000);
    await polling.stop();
    await a.close();
  });

  it('a static member restarted within the session timeout keeps its partitions; nobody else moves', async () => {
    const topic = randomName('static');
    const groupId = randomName('g');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 4 }]);
    const other = setup.fjord.consumer({ groupId, groupInstanceId: 'other', sessionTimeoutMs: 10_000 });
    let member = setup.fjord.consumer({ groupId, groupInstanceId: 'static-1', sessionTimeoutMs: 10_000 });
    await other.subscribe([topic]);
    await member.subscribe([topic]);
    const otherLoop = keepPolling([other]);
    let memberLoop = keepPolling([member]);
    await waitFor(() => other.assignment().length === 2 && member.assignment().length === 2, {
      timeoutMs: 20_000,
    });
    const before = await setup.fjord.admin().describeGroup(groupId);
    const mine = keys(member);
    const theirs = keys(other);
    await memberLoop.stop();
    await member.close();
    await sleep(1_500);
    expect(keys(other)).toEqual(theirs);
    member = setup.fjord.consumer({ groupId, groupInstanceId: 'static-1', sessionTimeoutMs: 10_000 });
    await member.subscribe([topic]);
    memberLoop = keepPolling([member]);
    await waitFor(() => member.assignment().length === 2, { timeoutMs: 10_000 });
    expect(keys(member)).toEqual(mine);
    expect(keys(other)).toEqual(theirs);
    const after = await setup.fjord.admin().describeGroup(groupId);
    expect(after.groupEpoch).toBe(before.groupEpoch);
    await Promise.all([memberLoop.stop(), otherLoop.stop()]);
    await Promise.all([member.close(), other.close()]);
  });

  it('a RegExp subscription picks up a topic created after it joined', async () => {
    const prefix = randomName('rx');
    const groupId = randomName('g');
    await setup.fjord.admin().createTopics([{ name: `${prefix}-a`, partitions: 1 }]);
    const consumer = setup.fjord.consumer({ groupId, autoOffsetReset: 'earliest' });
    await consumer.subscribe(new RegExp(`${prefix}-.*`));
    const loop = keepPolling([consumer]);
    await waitFor(() => consumer.assignment().length === 1, { timeoutMs: 20_000 });
    await setup.fjord.admin().createTopics([{ name: `${prefix}-b`, partitions: 2 }]);
    await setup.fjord.producer({ acks: 1 }).send({ topic: `${prefix}-b`, messages: [{ value: 'late' }] });
    await waitFor(() => loop.sink.some((r) => r.value?.toString() === 'late'), { timeoutMs: 20_000 });
    expect(keys(consumer)).toEqual([`${prefix}-a:0`, `${prefix}-b:0`, `${prefix}-b:1`]);
    await loop.stop();
    await consumer.close();
  });

  it('resetGroupOffsets to a timestamp makes the next run start there', async () => {
    const topic = randomName('reset');
    const groupId = randomName('g');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
    const producer = setup.fjord.producer({ acks: 1 });
    await producer.send({ topic, messages: range(0, 5).map((i) => ({ value: `old${i}` })) });
    await sleep(50);
    const cut = Date.now();
    await sleep(50);
    await producer.send({ topic, messages: range(0, 5).map((i) => ({ value: `new${i}` })) });
    const first = setup.fjord.consumer({ groupId, autoOffsetReset: 'earliest' });
    await first.subscribe([topic]);
    const loop = keepPolling([first]);
    await waitFor(() => loop.sink.length === 10, { timeoutMs: 20_000 });
    await loop.stop();
    await first.close();
    expect((await setup.fjord.admin().listGroupOffsets(groupId))[0]!.offset).toBe(10n);
    await setup.fjord.admin().resetGroupOffsets(groupId, [{ topic, to: { timestamp: cut } }]);
    expect((await setup.fjord.admin().listGroupOffsets(groupId))[0]!.offset).toBe(5n);
    const second = setup.fjord.consumer({ groupId, autoOffsetReset: 'earliest' });
    await second.subscribe([topic]);
    const records: ConsumerRecord[] = [];
    await second.run({
      eachMessage: async ({ message }) => {
        records.push(message);
        if (records.length === 5) void second.close();
      },
    });
    expect(records.map((r) => r.value!.toString())).toEqual(range(0, 5).map((i) => `new${i}`));
    await producer.close();
  });

  it('a coordinator restarted during consumption loses no committed offset, and the group carries on', async () => {
    const topic = randomName('restart');
    const groupId = randomName('g');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 2 }]);
    const producer = setup.fjord.producer({ acks: 1 });
    await producer.send({ topic, messages: range(0, 50).map((i) => ({ value: `v${i}` })) });
    const consumer = setup.fjord.consumer({ groupId, autoOffsetReset: 'earliest', sessionTimeoutMs: 30_000 });
    await consumer.subscribe([topic]);
    const loop = keepPolling([consumer]);
    await waitFor(() => loop.sink.length === 50, { timeoutMs: 20_000 });
    await consumer.commit();
    const committedBefore = await setup.fjord.admin().listGroupOffsets(groupId);
    expect(committedBefore.reduce((s, o) => s + o.offset, 0n)).toBe(50n);

    await setup.cluster.coordinator.kill('SIGKILL');
    await setup.cluster.coordinator.restart();
    await setup.cluster.waitForBrokers({ alive: [1] });
    // The client's channel reconnects with backoff: retry the first read.
    let committedAfter: Awaited<ReturnType<ReturnType<Fjord['admin']>['listGroupOffsets']>> = [];
    await waitFor(
      async () => {
        committedAfter = await setup.fjord
          .admin()
          .listGroupOffsets(groupId)
          .catch(() => []);
        return committedAfter.length > 0;
      },
      { timeoutMs: 30_000, message: 'coordinator answers after restart' },
    );
    expect(committedAfter.map((o) => [o.partition, o.offset])).toEqual(
      committedBefore.map((o) => [o.partition, o.offset]),
    );

    await producer.send({ topic, messages: range(50, 80).map((i) => ({ value: `v${i}` })) });
    await waitFor(() => new Set(loop.sink.map((r) => r.value!.toString())).size === 80, {
      timeoutMs: 30_000,
    });
    expect(consumer.assignment()).toHaveLength(2);
    await loop.stop();
    await consumer.close();
    const final = await setup.fjord.admin().listGroupOffsets(groupId);
    expect(final.reduce((s, o) => s + o.offset, 0n)).toBe(80n);
    await producer.close();
  });
});
