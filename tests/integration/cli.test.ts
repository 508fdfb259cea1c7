import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compression, GRPC_CHANNEL_OPTIONS, loadFjordProto, splitBatches, type v1 } from '@fjord/protocol';
import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fjord } from './cli-runner.js';

describe('the fjord CLI', () => {
  let cluster: Cluster;
  let bootstrap: string[];

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1 });
    bootstrap = ['--bootstrap', cluster.bootstrap];
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('creates, lists, describes, alters and deletes topics', async () => {
    const topic = randomName('cli');
    const created = await fjord([
      'topics',
      'create',
      topic,
      '--partitions',
      '3',
      ...bootstrap,
      '--config',
      'retention.ms=1000',
    ]);
    expect(created).toMatchObject({ code: 0 });
    const listed = await fjord(['topics', 'list'], { env: { FJORD_BOOTSTRAP: cluster.bootstrap } });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(topic);
    const described = await fjord(['topics', 'describe', topic, ...bootstrap]);
    expect(described.code).toBe(0);
    expect(described.stdout).toContain('retention.ms');
    expect(described.stdout).toMatch(/1000/);
    expect(described.stdout.split('\n').filter((l) => /^\s*[0-2]\s/.test(l))).toHaveLength(3);
    const altered = await fjord(['topics', 'alter', topic, '--config', 'retention.ms=2000', ...bootstrap]);
    expect(altered.code).toBe(0);
    expect((await fjord(['topics', 'describe', topic, ...bootstrap])).stdout).toMatch(/2000/);
    expect((await fjord(['topics', 'delete', topic, ...bootstrap])).code).toBe(0);
    expect((await fjord(['topics', 'list', ...bootstrap])).stdout).not.toContain(topic);
  });

  it('produces lines from stdin and consumes them back with keys', async () => {
    const topic = randomName('lines');
    expect((await fjord(['topics', 'create', topic, '--partitions', '2', ...bootstrap])).code).toBe(0);
    const lines = Array.from({ length: 50 }, (_, i) => `key${i % 5}:value ${i}`);
    const produced = await fjord(['produce', topic, '--key-separator', ':', ...bootstrap], {
      stdin: `${lines.join('\n')}\n`,
    });
    expect(produced.code).toBe(0);
    const consumed = await fjord([
      'consume',
      topic,
      '--from-beginning',
      '-e',
      '--print-key',
      '--key-separator',
      ':',
      ...bootstrap,
    ]);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trim().split('\n').sort()).toEqual([...lines].sort());

    const formatted = await fjord([
      'consume',
      topic,
      '--from-beginning',
      '-e',
      '--format',
      '%t|%p|%o|%k|%v',
      ...bootstrap,
    ]);
    expect(formatted.code).toBe(0);
    const rows = formatted.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
    expect(rows.map((r) => `${r[3]}:${r[4]}`).sort()).toEqual([...lines].sort());
    expect(rows.every((r) => r[0] === topic && ['0', '1'].includes(r[1]!) && /^\d+$/.test(r[2]!))).toBe(true);
    const json = await fjord(['consume', topic, '--from-beginning', '-e', '--json', ...bootstrap]);
    expect(json.code).toBe(0);
    const objects = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objects.map((o) => `${o.key}:${o.value}`).sort()).toEqual([...lines].sort());
    expect(objects[0]).toMatchObject({ topic, offset: expect.stringMatching(/^\d+$/), headers: {} });
    const both = await fjord(['consume', topic, '--json', '--format', '%v', '-e', ...bootstrap]);
    expect(both.code).toBe(2);

    const limited = await fjord(['consume', topic, '--from-beginning', '--max-messages', '7', ...bootstrap]);
    expect(limited.code).toBe(0);
    expect(limited.stdout.trim().split('\n')).toHaveLength(7);

    const onePartition = await fjord([
      'consume',
      topic,
      '--partition',
      '1',
      '--offset',
      '2',
      '-e',
      ...bootstrap,
    ]);
    expect(onePartition.code).toBe(0);
    const all = consumed.stdout.trim().split('\n').length;
    expect(onePartition.stdout.trim().split('\n').length).toBeLessThan(all);
  });

  it('produces a file with a progress bar, headers, compression and linger', async () => {
    const topic = randomName('file');
    expect((await fjord(['topics', 'create', topic, '--partitions', '1', ...bootstrap])).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'fjord-cli-file-'));
    try {
      const file = join(dir, 'records.txt');
      const lines = Array.from({ length: 2_000 }, (_, i) => `key${i % 10}:value ${i} ${'x'.repeat(40)}`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      const produced = await fjord([
        'produce',
        topic,
        '-f',
        file,
        '--progress',
        '-K',
        ':',
        '-H',
        'source=cli',
        '-H',
        'run=1',
        '-z',
        'gzip',
        '--linger-ms',
        '10',
        ...bootstrap,
      ]);
      expect(produced.code, produced.stderr).toBe(0);
      expect(produced.stderr).toContain('100%');
      expect(produced.stderr).toContain('produced 2000 records');

      const client = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'cli-file-test' });
      const reader = client.consumer({ autoOffsetReset: 'earliest' });
      await reader.assign([{ topic, partition: 0 }]);
      const records = [];
      for (let i = 0; i < 40 && records.length < lines.length; i++) records.push(...(await reader.poll(500)));
      await client.close();
      expect(records.map((r) => `${r.key}:${r.value}`)).toEqual(lines);
      expect(records[0]!.headers.source?.toString()).toBe('cli');
      expect(records[0]!.headers.run?.toString()).toBe('1');

      // The stored batches are gzip batches.
      const proto = loadFjordProto().fjord.v1;
      const broker = new proto.BrokerService(
        `127.0.0.1:${cluster.broker(1).port}`,
        grpc.credentials.createInsecure(),
        GRPC_CHANNEL_OPTIONS,
      );
      const fetched = await new Promise<v1.FetchResponse__Output>((resolve, reject) =>
        broker.Fetch(
          {
            replicaId: -1,
            maxWaitMs: 0,
            minBytes: 1,
            maxBytes: 16 << 20,
            topics: [
              { topic, partitions: [{ partition: 0, fetchOffset: '0', partitionMaxBytes: 16 << 20 }] },
            ],
          },
          (e, r) => (e ? reject(e) : resolve(r!)),
        ),
      );
      broker.close();
      const batches = splitBatches(fetched.topics[0]!.partitions[0]!.records);
      expect(batches.every((b) => b.header.compression === Compression.Gzip)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints one readable line and exits non-zero on bad input', async () => {
    const cases: string[][] = [
      ['topics', 'create', randomName('zero'), '--partitions', '0', ...bootstrap],
      ['topics', 'create', 'bad/name', '--partitions', '1', ...bootstrap],
      ['topics', 'describe', randomName('missing'), ...bootstrap],
      ['consume', randomName('missing'), '-e', ...bootstrap],
      ['topics', 'list', '--bootstrap', '127.0.0.1:1'],
    ];
    for (const args of cases) {
      const run = await fjord(args);
      expect({ args, failed: run.code !== 0 && run.code !== null }).toEqual({ args, failed: true });
      const lines = run.stderr.trim().split('\n');
      expect({ args, lines: lines.length }).toEqual({ args, lines: 1 });
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const unreachable = await fjord(['topics', 'list', '--bootstrap', '127.0.0.1:1']);
    expect(unreachable.stderr).toContain('127.0.0.1:1');
  });
});
