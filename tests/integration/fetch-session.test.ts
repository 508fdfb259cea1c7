import { type Consumer, Fjord } from '@fjord/sdk';
import { type Cluster, randomName, sleep, startCluster, TcpProxy } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { range } from './helpers.js';
import { metric, scrape } from './metrics.js';

/**
 * The consumer's fetch sessions (FetchStream, issue 16): one broker reached only through a
 * TCP proxy. A consumer whose session changes (partitions added and removed, a seek out of
 * range reset by autoOffsetReset) reads exactly what it should; with connections dropped
 * under it every few hundred ms, every record arrives exactly once and in order.
 */
describe('consumer fetch sessions', () => {
  let cluster: Cluster;
  let proxy: TcpProxy;
  let fjord: Fjord;

  beforeAll(async () => {
    // The broker advertises the proxy's port, so clients reach it only through the proxy.
    proxy = await TcpProxy.start({ targetPort: 1 });
    cluster = await startCluster({ brokers: 1, brokerArgs: ['--advertised-port', String(proxy.port)] });
    proxy.setTarget(cluster.broker(1).port);
    fjord = new Fjord({
      bootstrap: [cluster.bootstrap],
      clientId: 'fetch-session-test',
      requestTimeoutMs: 5_000,
      retry: { initialRetryMs: 20, maxRetryMs: 300 },
    });
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
    await proxy?.close();
  });

  async function produce(topic: string, partition: number, values: string[]): Promise<void> {
    const producer = fjord.producer({ acks: 'all', deliveryTimeoutMs: 60_000 });
    try {
      await producer.send({ topic, messages: values.map((value) => ({ value, partition })) });
    } finally {
      await producer.close();
    }
  }

  /** Polls until `count` records came, or `timeoutMs` passed; "partition:value" each. */
  async function read(consumer: Consumer, count: number, timeoutMs = 30_000): Promise<string[]> {
    const seen: string[] = [];
    const deadline = Date.now() + timeoutMs;
    while (seen.length < count && Date.now() < deadline) {
      for (const r of await consumer.poll(300)) seen.push(`${r.partition}:${r.value?.toString()}`);
    }
    return seen;
  }

  it('follows partitions added and removed, and a reset after OFFSET_OUT_OF_RANGE, on one session', {
    timeout: 120_000,
  }, async () => {
    const topic = randomName('session');
    await fjord.admin().createTopics([{ name: topic, partitions: 2, replicationFactor: 1 }]);
    await produce(topic, 0, ['a0', 'a1']);
    await produce(topic, 1, ['b0']);
    const scraped = await scrape(cluster.broker(1));
    const before = metric(scraped, 'fjord_broker_requests_total', { api: 'Fetch' }) ?? 0;
    const bytesBefore = metric(scraped, 'fjord_broker_bytes_out_total', { client: 'consumer' }) ?? 0;

    const consumer = fjord.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 200 });
    try {
      await consumer.assign([{ topic, partition: 0 }]);
      expect(await read(consumer, 2)).toEqual(['0:a0', '0:a1']);

      // Added: partition 1 from its start, beside partition 0 at its position.
      await consumer.assign([
        { topic, partition: 0 },
        { topic, partition: 1 },
      ]);
      await produce(topic, 0, ['a2']);
      expect((await read(consumer, 2)).sort()).toEqual(['0:a2', '1:b0']);

      // Removed: only partition 1 is fetched now.
      await consumer.assign([{ topic, partition: 1 }]);
      await produce(topic, 0, ['a3']);
      await produce(topic, 1, ['b1']);
      expect(await read(consumer, 1)).toEqual(['1:b1']);
      expect(await read(consumer, 1, 1_500)).toEqual([]);

      // Out of range: the broker answers OFFSET_OUT_OF_RANGE, autoOffsetReset starts over.
      consumer.seek({ topic, partition: 1 }, 1_000n);
      expect(await read(consumer, 2)).toEqual(['1:b0', '1:b1']);
    } finally {
      await consumer.close();
    }
    // All of it went through the session: no unary Fetch was served, and its bytes are counted.
    const afterScrape = await scrape(cluster.broker(1));
    const after = metric(afterScrape, 'fjord_broker_requests_total', { api: 'Fetch' }) ?? 0;
    expect(after - before).toBe(0);
    const bytesAfter = metric(afterScrape, 'fjord_broker_bytes_out_total', { client: 'consumer' }) ?? 0;
    expect(bytesAfter - bytesBefore).toBeGreaterThan(0);
  });

  it('hands out every record exactly once and in order while the stream breaks under it', {
    timeout: 180_000,
  }, async () => {
    const topic = randomName('session-drops');
    const RECORDS = 3_000;
    await fjord.admin().createTopics([{ name: topic, partitions: 2, replicationFactor: 1 }]);
    for (const partition of [0, 1]) {
      for (let from = 0; from < RECORDS / 2; from += 100)
        await produce(
          topic,
          partition,
          range(from, from + 100).map((i) => `${i}`),
        );
    }
    // Small answers: many rounds, so drops fall between and during them.
    const consumer = fjord.consumer({
      autoOffsetReset: 'earliest',
      maxPartitionFetchBytes: 512,
      fetchMaxWaitMs: 200,
      maxPollRecords: 50,
    });
    const droppedBefore = proxy.droppedConnections;
    let reading = true;
    const drops = (async () => {
      for (let n = 1; reading; n++) {
        // Every fourth gap is long, so that progress is certain on a loaded machine.
        await sleep(n % 4 === 0 ? 1_200 : 250);
        proxy.dropConnections();
      }
    })();
    const seen = new Map<number, number[]>([
      [0, []],
      [1, []],
    ]);
    try {
      await consumer.assign([
        { topic, partition: 0 },
        { topic, partition: 1 },
      ]);
      const deadline = Date.now() + 150_000;
      let total = 0;
      while (total < RECORDS && Date.now() < deadline) {
        for (const r of await consumer.poll(300)) {
          seen.get(r.partition)!.push(Number(r.value?.toString()));
          total++;
        }
      }
      // Nothing more may come: no record is handed out twice.
      const extra = await read(consumer, 1, 1_000);
      expect(extra).toEqual([]);
    } finally {
      reading = false;
      await drops;
      await consumer.close();
    }
    expect(proxy.droppedConnections - droppedBefore).toBeGreaterThan(3);
    expect(seen.get(0)).toEqual(range(0, RECORDS / 2));
    expect(seen.get(1)).toEqual(range(0, RECORDS / 2));
  });
});

/** A fetch session across a leader change: the consumer follows the partition to its new leader. */
describe('consumer fetch sessions across a leader change', () => {
  let cluster: Cluster;
  let fjord: Fjord;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 2, sessionTimeoutMs: 3_000, heartbeatIntervalMs: 500 });
    fjord = new Fjord({
      bootstrap: [cluster.bootstrap],
      clientId: 'fetch-session-leader-test',
      requestTimeoutMs: 5_000,
      retry: { initialRetryMs: 20, maxRetryMs: 300 },
    });
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
  });

  it('reads on from the new leader, every record once and in order', { timeout: 120_000 }, async () => {
    const topic = randomName('session-leader');
    await fjord.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 2 }]);
    const producer = fjord.producer({ acks: 'all', deliveryTimeoutMs: 60_000 });
    const send = (values: number[]) =>
      producer.send({ topic, messages: values.map((i) => ({ value: `${i}`, partition: 0 })) });
    const consumer = fjord.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 200 });
    const seen: number[] = [];
    const readUpTo = async (count: number) => {
      const deadline = Date.now() + 60_000;
      while (seen.length < count && Date.now() < deadline)
        for (const r of await consumer.poll(300)) seen.push(Number(r.value?.toString()));
    };
    try {
      await send(range(0, 50));
      await consumer.assign([{ topic, partition: 0 }]);
      await readUpTo(50);
      const [before] = (await fjord.admin().describeTopics([topic]))[0]!.partitions;
      // A clean stop hands leadership to the other replica (controlled shutdown).
      await cluster.broker(before!.leader).stop();
      await send(range(50, 100));
      await readUpTo(100);
      const [after] = (await fjord.admin().describeTopics([topic]))[0]!.partitions;
      expect(after!.leader).not.toBe(before!.leader);
      expect(await consumer.poll(1_000)).toEqual([]);
    } finally {
      await producer.close();
      await consumer.close();
    }
    expect(seen).toEqual(range(0, 100));
  });
});
