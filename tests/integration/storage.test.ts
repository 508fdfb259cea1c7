import { type FjordError, OffsetOutOfRangeError } from '@fjord/sdk';
import { randomName, waitFor } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';
import { offsetsOf, pollUntil, range } from './helpers.js';

describe('broker storage', () => {
  // Retention runs every 200 ms here instead of every 5 minutes.
  const setup = useCluster('storage-test', {
    brokers: 1,
    brokerArgs: ['--retention-check-interval-ms', '200'],
  });

  const earliest = async (topic: string) =>
    (await setup.fjord.admin().listOffsets(topic, 'earliest'))[0]!.offset;

  it('retention by size deletes whole batches from the front and moves the log start offset', async () => {
    const topic = randomName('by-size');
    await setup.fjord
      .admin()
      .createTopics([{ name: topic, partitions: 1, configs: { 'retention.bytes': '3000' } }]);
    const producer = setup.fjord.producer({ acks: 1 });
    // One send = one batch of ~570 bytes.
    for (let i = 0; i < 20; i++)
      await producer.send({ topic, messages: [{ value: `${i}:${'x'.repeat(500)}` }] });
    // Batches are ~572 bytes: Kafka's rule (delete while size - oldest >= retention.bytes)
    // keeps the newest 6 (6 x 572 > 3000, 5 x 572 < 3000), so the log starts at 14.
    await waitFor(async () => (await earliest(topic)) >= 14n, {
      timeoutMs: 15_000,
      message: 'log start moved to 14',
    });
    const logStart = await earliest(topic);
    expect(logStart).toBe(14n);

    const reader = setup.fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign([{ topic, partition: 0 }]);
    const kept = await pollUntil(reader, 20 - Number(logStart));
    await reader.close();
    expect(offsetsOf(kept)).toEqual(range(Number(logStart), 20));
    expect(kept.map((r) => r.value!.toString().split(':')[0])).toEqual(
      range(Number(logStart), 20).map(String),
    );

    // Fetching below the log start offset is OFFSET_OUT_OF_RANGE.
    const strict = setup.fjord.consumer({ autoOffsetReset: 'none' });
    await strict.assign([{ topic, partition: 0 }]);
    await strict.seek({ topic, partition: 0 }, 0n);
    const error = await strict.poll(2_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    await strict.close();
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect((error as FjordError).code).toBe('OFFSET_OUT_OF_RANGE');
  });

  it('retention by time deletes batches older than retention.ms', async () => {
    const topic = randomName('by-time');
    await setup.fjord
      .admin()
      .createTopics([{ name: topic, partitions: 1, configs: { 'retention.ms': '600000' } }]);
    const producer = setup.fjord.producer({ acks: 1 });
    const hourAgo = Date.now() - 3_600_000;
    for (let i = 0; i < 5; i++)
      await producer.send({ topic, messages: [{ value: `old${i}`, timestamp: hourAgo + i }] });
    for (let i = 0; i < 5; i++) await producer.send({ topic, messages: [{ value: `new${i}` }] });
    await waitFor(async () => (await earliest(topic)) === 5n, {
      timeoutMs: 15_000,
      message: 'old batches deleted',
    });

    const reader = setup.fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign([{ topic, partition: 0 }]);
    const kept = await pollUntil(reader, 5);
    await reader.close();
    expect(kept.map((r) => r.value!.toString())).toEqual(range(0, 5).map((i) => `new${i}`));
    expect((await setup.fjord.admin().listOffsets(topic, 'latest'))[0]!.offset).toBe(10n);
  });

  it('ListOffsets by timestamp returns the first offset whose timestamp is at or after it', async () => {
    const topic = randomName('by-timestamp');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
    const producer = setup.fjord.producer({ acks: 1 });
    // Recent, so that time retention (7 days by default, checked every 200 ms here) keeps them.
    const base = Date.now() - 60_000;
    // Offsets 0..6; timestamps are not monotonic, and some batches hold several records.
    await producer.send({ topic, messages: [{ value: 'a', timestamp: base + 1000 }] });
    await producer.send({
      topic,
      messages: [
        { value: 'b', timestamp: base + 2000 },
        { value: 'c', timestamp: base + 2000 },
      ],
    });
    await producer.send({ topic, messages: [{ value: 'd', timestamp: base + 1500 }] });
    await producer.send({
      topic,
      messages: [
        { value: 'e', timestamp: base + 2500 },
        { value: 'f', timestamp: base + 3000 },
      ],
    });
    await producer.send({ topic, messages: [{ value: 'g', timestamp: base + 5000 }] });

    const lookup = async (timestamp: number) =>
      (await setup.fjord.admin().listOffsets(topic, { timestamp }))[0]!.offset;
    expect(await lookup(0)).toBe(0n);
    expect(await lookup(base + 1000)).toBe(0n);
    expect(await lookup(base + 1001)).toBe(1n);
    expect(await lookup(base + 1500)).toBe(1n);
    expect(await lookup(base + 2000)).toBe(1n);
    expect(await lookup(base + 2001)).toBe(4n);
    expect(await lookup(base + 2600)).toBe(5n);
    expect(await lookup(base + 5000)).toBe(6n);
    expect(await lookup(base + 5001)).toBe(-1n);
    expect((await setup.fjord.admin().listOffsets(topic, 'earliest'))[0]!.offset).toBe(0n);
    expect((await setup.fjord.admin().listOffsets(topic, 'latest'))[0]!.offset).toBe(7n);
  });

  it('acknowledged data survives a broker SIGKILL with the default flush policy', async () => {
    const topic = randomName('durable');
    await setup.fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
    const producer = setup.fjord.producer({ acks: 1 });
    await producer.send({ topic, messages: range(0, 100).map((i) => ({ value: `r${i}` })) });
    await setup.cluster.broker(1).kill('SIGKILL');
    await setup.cluster.broker(1).restart();
    await setup.cluster.waitForBrokers({ alive: [1] });
    const reader = setup.fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign([{ topic, partition: 0 }]);
    const records = await pollUntil(reader, 100, 30_000);
    await reader.close();
    expect(records.map((r) => r.value!.toString())).toEqual(range(0, 100).map((i) => `r${i}`));
  });
});
