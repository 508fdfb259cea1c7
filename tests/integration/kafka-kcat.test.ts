import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster, waitFor } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fjord as cli } from './cli-runner.js';
import { pollUntil, range } from './helpers.js';
import { kcat, parseKcatRecords, RunningKcat } from './kafka-clients.js';

describe('kcat (librdkafka) against the brokers’ Kafka listeners', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let bootstrap: string;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, kafka: true });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'kafka-kcat-test' });
    bootstrap = cluster.kafkaBootstrap.join(',');
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
  });

  it('-L lists the three brokers at their Kafka addresses and a topic with its leaders and ISR', async () => {
    const topic = randomName('kcat-meta');
    await fjord.admin().createTopics([{ name: topic, partitions: 3, replicationFactor: 3 }]);
    const metadata = JSON.parse(await kcat(['-b', bootstrap, '-L', '-J', '-t', topic])) as {
      brokers: Array<{ id: number; name: string }>;
      topics: Array<{
        topic: string;
        partitions: Array<{ partition: number; leader: number; isrs: Array<{ id: number }> }>;
      }>;
    };
    expect(metadata.brokers.map((b) => [b.id, b.name]).sort()).toEqual(
      cluster.brokers.map((node, i) => [i + 1, node.kafkaAddress]),
    );
    const [described] = await fjord.admin().describeTopics([topic]);
    const listed = metadata.topics.find((t) => t.topic === topic)!;
    expect(listed.partitions.map((p) => [p.partition, p.leader]).sort()).toEqual(
      described!.partitions.map((p) => [p.partition, p.leader]).sort(),
    );
    for (const p of listed.partitions) expect(p.isrs.map((r) => r.id).sort()).toEqual([1, 2, 3]);
  });

  it('-P with acks=all writes keyed records with headers that the Fjord SDK reads back exactly', async () => {
    const topic = randomName('kcat-produce');
    await fjord.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 3 }]);
    const lines = range(0, 50).map((i) => `key-${i}:value-${i}`);
    await kcat(
      ['-b', bootstrap, '-P', '-t', topic, '-p', '0', '-K', ':', '-H', 'origin=kcat', '-X', 'acks=all'],
      `${lines.join('\n')}\n`,
    );
    const consumer = fjord.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign([{ topic, partition: 0 }]);
    const records = await pollUntil(consumer, 50, 30_000);
    await consumer.close();
    expect(records.map((r) => [Number(r.offset), r.key?.toString(), r.value?.toString()])).toEqual(
      range(0, 50).map((i) => [i, `key-${i}`, `value-${i}`]),
    );
    expect(records.every((r) => r.headers.origin?.toString() === 'kcat')).toBe(true);
  });

  it('-C -e reads what the Fjord SDK wrote: keys, values, headers, timestamps and offsets', async () => {
    const topic = randomName('kcat-consume');
    await fjord.admin().createTopics([{ name: topic, partitions: 2, replicationFactor: 3 }]);
    const producer = fjord.producer({ acks: -1 });
    const timestamp = Date.now() - 60_000;
    const sent = await producer.send({
      topic,
      messages: range(0, 40).map((i) => ({
        key: `k${i}`,
        value: `v${i}`,
        partition: i % 2,
        headers: { n: String(i) },
        timestamp,
      })),
    });
    await producer.close();
    const records = parseKcatRecords(
      await kcat(['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J']),
    );
    expect(records).toHaveLength(40);
    for (const [i, meta] of sent.entries()) {
      const record = records.find((r) => r.partition === meta.partition && r.offset === Number(meta.offset));
      expect(record).toMatchObject({ key: `k${i}`, payload: `v${i}`, ts: timestamp, tstype: 'create' });
      expect(record?.headers).toEqual(['n', String(i)]);
    }
  });

  it('-G consumes as a group member; `fjord groups describe` shows the member, its partitions and its commits', async () => {
    const topic = randomName('kcat-group');
    const group = randomName('kcat-group');
    await fjord.admin().createTopics([{ name: topic, partitions: 2, replicationFactor: 3 }]);
    const producer = fjord.producer({ acks: -1 });
    await producer.send({ topic, messages: range(0, 20).map((i) => ({ value: `r${i}`, partition: i % 2 })) });
    await producer.close();
    const member = new RunningKcat([
      '-b',
      bootstrap,
      '-G',
      group,
      topic,
      '-o',
      'beginning',
      '-f',
      '%p %o %s\\n',
      '-u',
      '-X',
      'auto.commit.interval.ms=100',
      '-X',
      'session.timeout.ms=10000',
    ]);
    try {
      await waitFor(() => (member.lines.length >= 20 ? true : undefined), {
        timeoutMs: 60_000,
        message: 'kcat -G printed 20 records',
      });
      const describeRows = async () => {
        const run = await cli(['groups', 'describe', group, '--bootstrap', cluster.bootstrap]);
        expect(run.code, run.stderr).toBe(0);
        return run.stdout.split('\n').map((l) => l.trim().split(/\s+/));
      };
      // TOPIC PARTITION COMMITTED LOG-END LAG: auto-commit catches up to the end.
      const described = await waitFor(
        async () => {
          const rows = await describeRows();
          const lagRows = rows.filter((cells) => cells[0] === topic);
          return lagRows.length === 2 && lagRows.every((r) => r[2] === '10' && r[4] === '0')
            ? rows
            : undefined;
        },
        { timeoutMs: 30_000, message: 'commits of both partitions at 10 with lag 0' },
      );
      const memberRows = described.filter((cells) => cells.some((c) => c === `${topic}:0,${topic}:1`));
      expect(memberRows).toHaveLength(1);
      expect(described.some((cells) => cells.includes('Stable'))).toBe(true);
    } finally {
      await member.stop();
    }
    expect(member.lines.map((l) => l.split(' ')[2]).sort()).toEqual(
      range(0, 20)
        .map((i) => `r${i}`)
        .sort(),
    );
  });
});
