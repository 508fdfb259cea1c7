import { ErrorCode, GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import {
  type Consumer,
  type ConsumerRecord,
  GroupIdNotFoundError,
  InvalidArgumentError,
  NonEmptyGroupError,
} from '@fjord/sdk';
import { randomName, waitFor } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';
import { range } from './helpers.js';

/** Polls every consumer in turn until `count` distinct values arrived in total. */
async function pollAll(
  consumers: Consumer[],
  count: number,
  timeoutMs = 60_000,
): Promise<ConsumerRecord[][]> {
  const got = consumers.map(() => [] as ConsumerRecord[]);
  const seen = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  while (seen.size < count && Date.now() < deadline) {
    await Promise.all(
      consumers.map(async (c, i) => {
        for (const r of await c.poll(200)) {
          got[i]!.push(r);
          seen.add(r.value!.toString());
        }
      }),
    );
  }
  return got;
}

describe('consumer groups', () => {
  const setup = useCluster('groups-basic-test', { brokers: 2 });

  it('4 members of one group on a 12-partition topic own 3 partitions each and together get every record', async () => {
    const topic = randomName('orders');
    const groupId = randomName('g');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 12 }]);
    const producer = setup.fjord.producer({ acks: 1 });
    await producer.send({ topic, messages: range(0, 240).map((i) => ({ key: `k${i}`, value: `v${i}` })) });
    const consumers = range(0, 4).map(() => setup.fjord.consumer({ groupId, autoOffsetReset: 'earliest' }));
    for (const c of consumers) await c.subscribe([topic]);
    // Keep polling until the group settled on 3 partitions each.
    const got = consumers.map(() => [] as ConsumerRecord[]);
    await waitFor(
      async () => {
        await Promise.all(consumers.map(async (c, i) => got[i]!.push(...(await c.poll(200)))));
        return consumers.every((c) => c.assignment().length === 3);
      },
      { timeoutMs: 30_000, message: 'every member owns 3 partitions' },
    );
    const owned = consumers.flatMap((c) => c.assignment().map((tp) => tp.partition));
    expect(owned.sort((a, b) => a - b)).toEqual(range(0, 12));
    await producer.send({ topic, messages: range(240, 300).map((i) => ({ key: `k${i}`, value: `v${i}` })) });
    const more = await pollAll(consumers, 300 - new Set(got.flat().map((r) => r.value!.toString())).size);
    const all = new Set([...got.flat(), ...more.flat()].map((r) => r.value!.toString()));
    expect([...all].sort()).toEqual(
      range(0, 300)
        .map((i) => `v${i}`)
        .sort(),
    );

    const description = await setup.fjord.admin().describeGroup(groupId);
    expect(description.members).toHaveLength(4);
    expect(description.assignor).toBe('uniform');
    for (const m of description.members) expect(m.assignment).toHaveLength(3);
    await expect(setup.fjord.admin().resetGroupOffsets(groupId, [{ topic, to: 'earliest' }])).rejects.toThrow(
      NonEmptyGroupError,
    );
    await Promise.all(consumers.map((c) => c.close()));
    await producer.close();
    const offsets = await setup.fjord.admin().listGroupOffsets(groupId);
    expect(offsets).toHaveLength(12);
    expect(offsets.reduce((sum, o) => sum + o.offset, 0n)).toBe(300n);
    expect(offsets.every((o) => o.lag === 0n)).toBe(true);
    expect((await setup.fjord.admin().listGroups()).find((g) => g.groupId === groupId)?.state).toBe('Empty');
    await setup.fjord.admin().deleteGroup(groupId);
    await expect(setup.fjord.admin().describeGroup(groupId)).rejects.toThrow(GroupIdNotFoundError);
  });

  it('two groups on one topic each receive every record; a restarted group resumes at its commits', async () => {
    const topic = randomName('shared');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 4 }]);
    const producer = setup.fjord.producer({ acks: 1 });
    await producer.send({ topic, messages: range(0, 100).map((i) => ({ value: `v${i}` })) });
    const [a, b] = [randomName('ga'), randomName('gb')];
    const groupA = [
      setup.fjord.consumer({ groupId: a, autoOffsetReset: 'earliest' }),
      setup.fjord.consumer({ groupId: a, autoOffsetReset: 'earliest' }),
    ];
    const groupB = [setup.fjord.consumer({ groupId: b, autoOffsetReset: 'earliest' })];
    for (const c of [...groupA, ...groupB]) await c.subscribe([topic]);
    const gotA = await pollAll(groupA, 100);
    const gotB = await pollAll(groupB, 100);
    expect(new Set(gotA.flat().map((r) => r.value!.toString())).size).toBe(100);
    expect(new Set(gotB.flat().map((r) => r.value!.toString())).size).toBe(100);
    for (const c of [...groupA, ...groupB]) await c.close();

    await producer.send({ topic, messages: range(100, 110).map((i) => ({ value: `v${i}` })) });
    const again = setup.fjord.consumer({ groupId: a, autoOffsetReset: 'earliest' });
    await again.subscribe([topic]);
    const next = await pollAll([again], 10);
    expect(
      next
        .flat()
        .map((r) => r.value!.toString())
        .sort(),
    ).toEqual(
      range(100, 110)
        .map((i) => `v${i}`)
        .sort(),
    );
    await again.close();
    await producer.close();
  });

  it('answers bad group input with a clear error and changes nothing', async () => {
    const topic = randomName('guarded');
    const groupId = randomName('g');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 2 }]);
    const producer = setup.fjord.producer({ acks: 1 });
    await producer.send({ topic, messages: range(0, 4).map((i) => ({ value: `v${i}`, partition: i % 2 })) });
    await producer.close();
    const consumer = setup.fjord.consumer({ groupId, autoOffsetReset: 'earliest', autoCommit: false });
    await consumer.subscribe([topic]);
    await pollAll([consumer], 4);
    await consumer.commit();
    const committed = await setup.fjord.admin().listGroupOffsets(groupId);

    // Commit for a partition the member does not own (another topic's): refused, nothing stored.
    await expect(
      consumer.commit({ offsets: [{ topic: `${topic}-other`, partition: 0, offset: 1n }] }),
    ).rejects.toThrow(new InvalidArgumentError(`${topic}-other:0 is not assigned to this consumer`));
    // Reset while the group has a member: refused, offsets unchanged.
    await expect(setup.fjord.admin().resetGroupOffsets(groupId, [{ topic, to: 'earliest' }])).rejects.toThrow(
      /has 1 member\(s\): stop its consumers first/,
    );
    expect(await setup.fjord.admin().listGroupOffsets(groupId)).toEqual(committed);
    // Regex flags the coordinator cannot honour, and an empty subscription.
    await expect(consumer.subscribe(/orders/g)).rejects.toThrow(/flags "g" are not supported/);
    await expect(consumer.subscribe([])).rejects.toThrow(InvalidArgumentError);
    expect(consumer.assignment()).toHaveLength(2);
    await consumer.close();

    // Unknown and empty group ids.
    const missing = randomName('missing');
    for (const call of [
      () => setup.fjord.admin().describeGroup(missing),
      () => setup.fjord.admin().resetGroupOffsets(missing, [{ topic, to: 'earliest' }]),
      () => setup.fjord.admin().deleteGroup(missing),
    ]) {
      await expect(call()).rejects.toThrow(new RegExp(`group "${missing}" does not exist`));
    }
    await expect(setup.fjord.admin().describeGroup(' ')).rejects.toThrow(InvalidArgumentError);
    expect(() => setup.fjord.consumer({ groupId: '' })).toThrow(/groupId: must not be empty/);

    // What only another client could send: the coordinator checks it too, and creates nothing.
    const proto = loadFjordProto().fjord.v1;
    const groups = new proto.GroupCoordinatorService(
      setup.cluster.bootstrap,
      grpc.credentials.createInsecure(),
      GRPC_CHANNEL_OPTIONS,
    );
    const heartbeat = (req: Partial<v1.ConsumerGroupHeartbeatRequest>) =>
      new Promise<v1.ConsumerGroupHeartbeatResponse__Output>((resolve, reject) =>
        groups.consumerGroupHeartbeat(
          { groupId: missing, memberId: 'm-1', memberEpoch: 0, sessionTimeoutMs: 10_000, ...req },
          { deadline: Date.now() + 10_000 },
          (error, response) => (error ? reject(error) : resolve(response!)),
        ),
      );
    try {
      expect(await heartbeat({ subscribedTopicRegex: '(' })).toMatchObject({
        errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION,
        errorMessage: 'subscription regex /(/ is not valid RE2: error parsing regexp: missing closing ): `(`',
      });
      expect(await heartbeat({})).toMatchObject({
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'the subscription is empty: subscribe to topics or a regex',
      });
      expect(await heartbeat({ groupId: '', subscribedTopicNames: [topic] })).toMatchObject({
        errorCode: ErrorCode.INVALID_GROUP_ID,
      });
      expect(await heartbeat({ memberEpoch: 3, subscribedTopicNames: [topic] })).toMatchObject({
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
      });
    } finally {
      groups.close();
    }
    expect((await setup.fjord.admin().listGroups()).map((g) => g.groupId)).not.toContain(missing);
  });
});
