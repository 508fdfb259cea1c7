import { partitionForKey } from '@fjord/protocol';
import { randomName } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';
import { byPartition, offsetsOf, pollUntil, range } from './helpers.js';

// Kafka's published murmur2 results (UtilsTest.testMurmur2). The expected partition is
// computed here from Kafka's number, not from our implementation.
const KAFKA_MURMUR2_VECTORS: ReadonlyArray<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

describe('a 6-partition topic on a 3-broker cluster', () => {
  const setup = useCluster('produce-consume-test', { brokers: 3 });

  it('stores 100,000 keyed records where Kafka would, in order, and gives them all back', async () => {
    const topic = randomName('orders');
    const partitions = 6;
    await setup.fjord.admin().createTopics([{ name: topic, partitions, replicationFactor: 1 }]);

    const total = 100_000;
    const keys = [...KAFKA_MURMUR2_VECTORS.map(([key]) => key), ...range(0, 994).map((i) => `user-${i}`)];
    const sequenceOf = new Map<string, number>();
    const producer = setup.fjord.producer({ acks: 1 });
    const chunk = 2_000;
    for (let start = 0; start < total; start += chunk) {
      const messages = range(start, Math.min(total, start + chunk)).map((i) => {
        const key = keys[i % keys.length]!;
        const seq = sequenceOf.get(key) ?? 0;
        sequenceOf.set(key, seq + 1);
        return { key, value: `${key}:${seq}` };
      });
      const metas = await producer.send({ topic, messages });
      expect(metas).toHaveLength(messages.length);
      metas.forEach((meta, i) => {
        expect(meta.partition).toBe(partitionForKey(Buffer.from(messages[i]!.key), partitions));
      });
    }
    await producer.close();

    const reader = setup.fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign(range(0, partitions).map((partition) => ({ topic, partition })));
    const records = await pollUntil(reader, total, 120_000);
    await reader.close();
    expect(records).toHaveLength(total);

    // Offsets of every partition run contiguously from 0.
    const parts = byPartition(records);
    expect([...parts.keys()].sort()).toEqual(range(0, partitions));
    for (const list of parts.values()) expect(offsetsOf(list)).toEqual(range(0, list.length));

    // Every key sits in Kafka's partition, and its records come back in the order sent.
    const lastSeq = new Map<string, number>();
    for (const record of records) {
      const [key, seq] = record.value!.toString().split(':') as [string, string];
      expect(record.key!.toString()).toBe(key);
      expect(record.partition).toBe(partitionForKey(Buffer.from(key), partitions));
      expect(Number(seq)).toBe((lastSeq.get(key) ?? -1) + 1);
      lastSeq.set(key, Number(seq));
    }
    for (const [key, published] of KAFKA_MURMUR2_VECTORS) {
      const kafkaPartition = (published & 0x7fffffff) % partitions;
      expect(records.find((r) => r.key!.toString() === key)!.partition).toBe(kafkaPartition);
    }
    expect([...lastSeq.values()].reduce((a, b) => a + b + 1, 0)).toBe(total);
  });

  it('keeps headers, null keys and values, timestamps, and honours an explicit partition', async () => {
    const topic = randomName('shapes');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 3 }]);
    const producer = setup.fjord.producer({ acks: 'all' });
    const metas = await producer.send({
      topic,
      messages: [
        {
          key: null,
          value: 'no key',
          partition: 2,
          timestamp: 1_700_000_000_000,
          headers: { source: 'web' },
        },
        { key: 'k', value: null, partition: 2 },
        {
          key: Buffer.from([0, 1, 2]),
          value: Buffer.alloc(0),
          partition: 2,
          headers: { bin: Buffer.from([9]) },
        },
      ],
    });
    expect(metas.map((m) => [m.partition, m.offset])).toEqual([
      [2, 0n],
      [2, 1n],
      [2, 2n],
    ]);
    const reader = setup.fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign([{ topic, partition: 2 }]);
    const [a, b, c] = await pollUntil(reader, 3);
    await reader.close();
    expect(a!.key).toBeNull();
    expect(a!.value!.toString()).toBe('no key');
    expect(a!.timestamp).toBe(1_700_000_000_000);
    expect(a!.headers.source!.toString()).toBe('web');
    expect(b!.value).toBeNull();
    expect(c!.key).toEqual(Buffer.from([0, 1, 2]));
    expect(c!.value).toEqual(Buffer.alloc(0));
    expect(c!.headers.bin).toEqual(Buffer.from([9]));
  });

  it('sticks null-key records to one partition for about batchBytes, then moves on (sticky partitioner)', async () => {
    const topic = randomName('spread');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 3 }]);
    // About 20 records of ~10 bytes fill 200 bytes, then the partition changes.
    const producer = setup.fjord.producer({ acks: 1, batchBytes: 200 });
    const used = new Set<number>();
    const chosen: number[] = [];
    for (let i = 0; i < 400; i++) {
      const metas = await producer.send({ topic, messages: [{ value: `v${i % 10}` }] });
      used.add(metas[0]!.partition);
      chosen.push(metas[0]!.partition);
    }
    const runs = chosen.filter((p, i) => i === 0 || p !== chosen[i - 1]).length;
    expect(runs).toBeGreaterThan(10);
    expect(runs).toBeLessThan(40);
    expect(used.size).toBe(3);
  });
});
