import { type LogEvent, randomName, waitFor } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';
import { pollUntil, range } from './helpers.js';

const BROKERS = [1, 2, 3];
const PARTITIONS = 90;

/** One `hosted replicas updated` line of a broker: what its heartbeat answer carried. */
interface MetadataUpdate {
  broker: string;
  replicas: number;
  delta: boolean;
  changed: number;
  removed: number;
}

// Issue #12, item 9: broker heartbeats carry metadata changes, not the whole replica list.
describe('brokers learn metadata changes from heartbeat answers', () => {
  const updates: MetadataUpdate[] = [];
  const setup = useCluster('broker-metadata-test', {
    brokers: BROKERS.length,
    onLog: (node, _line, event?: LogEvent) => {
      if (event?.msg !== 'hosted replicas updated') return;
      updates.push({
        broker: node,
        replicas: Number(event.replicas),
        delta: event.delta === true,
        changed: Number(event.changed),
        removed: Number(event.removed),
      });
    },
  });

  /** Waits until every broker applied a view of `replicas` replicas after update number `from`. */
  const everyBrokerHolds = (replicas: number, from: number) =>
    waitFor(
      () => {
        const since = updates.slice(from);
        const reached = BROKERS.map((id) =>
          since.find((u) => u.broker === `broker-${id}` && u.replicas === replicas),
        );
        return reached.every(Boolean) ? (reached as MetadataUpdate[]) : undefined;
      },
      {
        timeoutMs: 20_000,
        message: () => `every broker to host ${replicas} replicas (${JSON.stringify(updates.slice(from))})`,
      },
    );

  /** Produces one record to every partition (round `round`), then reads all rounds so far. */
  const roundTrip = async (topic: string, partitions: number, round: number) => {
    const producer = setup.fjord.producer({ acks: 'all' });
    const value = (r: number, partition: number) => `round-${r}-${partition}`;
    await producer.send({
      topic,
      messages: range(0, partitions).map((partition) => ({ partition, value: value(round, partition) })),
    });
    await producer.close();
    const consumer = setup.fjord.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign(range(0, partitions).map((partition) => ({ topic, partition })));
    const records = await pollUntil(consumer, partitions * round, 30_000);
    await consumer.close();
    const expected = range(1, round + 1).flatMap((r) => range(0, partitions).map((p) => value(r, p)));
    expect(records.map((r) => r.value!.toString()).sort()).toEqual(expected.sort());
  };

  it(`a topic created beside ${PARTITIONS} partitions reaches each broker as one replica entry, its deletion as one removal`, async () => {
    const admin = setup.fjord.admin();
    const many = randomName('many');
    await admin.createTopics([{ name: many, partitions: PARTITIONS, replicationFactor: 3 }]);
    await everyBrokerHolds(PARTITIONS, 0);
    await roundTrip(many, PARTITIONS, 1);

    const beforeCreate = updates.length;
    const one = randomName('one');
    await admin.createTopics([{ name: one, partitions: 1, replicationFactor: 3 }]);
    const created = await everyBrokerHolds(PARTITIONS + 1, beforeCreate);
    for (const update of created) {
      // The new partition, plus at most an ISR change of another one meanwhile.
      expect(update).toMatchObject({ delta: true, removed: 0 });
      expect(update.changed).toBeGreaterThanOrEqual(1);
      expect(update.changed).toBeLessThanOrEqual(3);
    }
    await roundTrip(one, 1, 1);

    const beforeDelete = updates.length;
    await admin.deleteTopics([one]);
    const deleted = await everyBrokerHolds(PARTITIONS, beforeDelete);
    for (const update of deleted) {
      expect(update).toMatchObject({ delta: true, removed: 1 });
      expect(update.changed).toBeLessThanOrEqual(2);
    }
    // Every answer since the first full list carried a handful of entries, not the whole list.
    const since = updates.slice(beforeCreate);
    expect(since.every((u) => u.delta && u.changed <= 3)).toBe(true);
    await roundTrip(many, PARTITIONS, 2);
    console.log(`heartbeat metadata updates after the first full list: ${JSON.stringify(since)}`);
  });
});
