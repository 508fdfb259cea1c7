import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, sleep, startCluster, waitFor } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fjord as cli, type Run } from './cli-runner.js';
import { range } from './helpers.js';

/** Non-empty stdout lines. */
const lines = (run: Run) => run.stdout.split('\n').filter((l) => l.trim() !== '');

/** The rows of a printed table whose first column is `first`, split on whitespace. */
const rows = (run: Run, first: string) =>
  lines(run)
    .map((l) => l.trim().split(/\s+/))
    .filter((cells) => cells[0] === first);

/** A failed run: non-zero exit, one readable stderr line (no stack trace). */
function expectOneLineError(run: Run, pattern: RegExp): void {
  expect(run.code, run.stderr).not.toBe(0);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr).toMatch(pattern);
}

describe('fjord groups and fjord consume --group', () => {
  let cluster: Cluster;
  let client: Fjord;
  let bootstrap: string[];

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1 });
    bootstrap = ['--bootstrap', cluster.bootstrap];
    client = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'groups-cli-test' });
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.stop();
  });

  it('consume --group -n N prints N records and commits exactly those: the next run has no gap and no repeat', async () => {
    const topic = randomName('gconsume');
    const group = randomName('g');
    await client.admin().createTopics([{ name: topic, partitions: 3 }]);
    const producer = client.producer({ acks: 1 });
    // Ten records per partition, all there before the first run: its first poll returns far
    // more than -n allows, which is what used to be committed.
    for (const partition of range(0, 3)) {
      await producer.send({
        topic,
        messages: range(0, 10).map((i) => ({ value: `p${partition}-${i}`, partition })),
      });
    }
    await producer.close();
    const format = ['--format', '%p %o %s'];

    const first = await cli([
      'consume',
      topic,
      '--group',
      group,
      '--from-beginning',
      '-n',
      '7',
      ...format,
      ...bootstrap,
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(lines(first)).toHaveLength(7);
    expect(first.stderr).toContain('consumed 7 records');
    const committed = await client.admin().listGroupOffsets(group);
    expect(committed.reduce((sum, o) => sum + o.offset, 0n)).toBe(7n);

    // --from-beginning only covers partitions without a committed offset (the first run may
    // not have printed from every partition); where the group committed, that offset wins.
    const second = await cli([
      'consume',
      topic,
      '--group',
      group,
      '--from-beginning',
      '-n',
      '23',
      ...format,
      ...bootstrap,
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(lines(second)).toHaveLength(23);

    // Per partition, the two runs together read offsets 0-9 exactly once, in order.
    const seen = new Map<number, number[]>();
    for (const line of [...lines(first), ...lines(second)]) {
      const [partition, offset, value] = line.split(' ');
      expect(value).toBe(`p${partition}-${offset}`);
      seen.set(Number(partition), [...(seen.get(Number(partition)) ?? []), Number(offset)]);
    }
    for (const partition of range(0, 3)) expect(seen.get(partition)).toEqual(range(0, 10));
    const after = await client.admin().listGroupOffsets(group);
    expect(after.map((o) => [o.partition, o.offset, o.lag])).toEqual(range(0, 3).map((p) => [p, 10n, 0n]));
  });

  it('lists, describes, resets offsets of (only when empty) and deletes a group', async () => {
    const topic = randomName('gadmin');
    const group = randomName('g');
    await client.admin().createTopics([{ name: topic, partitions: 2 }]);
    const producer = client.producer({ acks: 1 });
    for (const partition of [0, 1]) {
      await producer.send({ topic, messages: range(0, 3).map((i) => ({ value: `old${i}`, partition })) });
    }
    await sleep(20);
    const cut = new Date();
    await sleep(20);
    for (const partition of [0, 1]) {
      await producer.send({ topic, messages: range(0, 2).map((i) => ({ value: `new${i}`, partition })) });
    }
    await producer.close();

    // An active member that has consumed and committed everything.
    const member = client.consumer({ groupId: group, autoOffsetReset: 'earliest' });
    await member.subscribe([topic]);
    let received = 0;
    await waitFor(
      async () => {
        received += (await member.poll(100)).length;
        return received === 10 && member.assignment().length === 2;
      },
      { timeoutMs: 20_000, message: 'the member consumed all 10 records' },
    );
    await member.commit();

    const listed = await cli(['groups', 'list', ...bootstrap]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(rows(listed, group)).toEqual([[group, 'Stable', '1']]);

    const described = await cli(['groups', 'describe', group, ...bootstrap]);
    expect(described.code, described.stderr).toBe(0);
    const { groupEpoch } = await client.admin().describeGroup(group);
    expect(described.stdout).toContain(`group ${group}  state Stable  epoch ${groupEpoch}  assignor uniform`);
    const [memberRow] = rows(described, member.memberId!);
    expect(memberRow).toEqual([
      member.memberId,
      '-',
      expect.stringMatching(/^\d+$/),
      `${topic}:0,${topic}:1`,
    ]);
    // TOPIC PARTITION COMMITTED LOG-END LAG
    expect(rows(described, topic)).toEqual([
      [topic, '0', '5', '5', '0'],
      [topic, '1', '5', '5', '0'],
    ]);

    // While the group has a member: refused, nothing moved.
    const refused = await cli(['groups', 'reset-offsets', group, '-t', topic, '--to-earliest', ...bootstrap]);
    expectOneLineError(refused, /NON_EMPTY_GROUP.*1 member.*stop its consumers first/);
    expect((await client.admin().listGroupOffsets(group)).map((o) => o.offset)).toEqual([5n, 5n]);
    const notDeleted = await cli(['groups', 'delete', group, ...bootstrap]);
    expectOneLineError(notDeleted, /NON_EMPTY_GROUP/);

    await member.close();
    expect(rows(await cli(['groups', 'list', ...bootstrap]), group)).toEqual([[group, 'Empty', '0']]);

    const reset = async (...args: string[]) => {
      const run = await cli(['groups', 'reset-offsets', group, '-t', topic, ...args, ...bootstrap]);
      expect(run.code, run.stderr).toBe(0);
      // The command prints the offsets as they are now (TOPIC PARTITION COMMITTED).
      const printed = rows(run, topic).map((r) => r.slice(1).join('@'));
      const stored = (await client.admin().listGroupOffsets(group)).map((o) => `${o.partition}@${o.offset}`);
      expect(printed).toEqual(stored);
      return stored;
    };
    expect(await reset('--to-earliest')).toEqual(['0@0', '1@0']);
    expect(await reset('--to-latest')).toEqual(['0@5', '1@5']);
    expect(await reset('--to-datetime', cut.toISOString())).toEqual(['0@3', '1@3']);
    expect(await reset('--to-offset', '1', '--partition', '0')).toEqual(['0@1', '1@3']);
    const lagging = await cli(['groups', 'describe', group, ...bootstrap]);
    expect(lagging.stdout).toContain('state Empty');
    expect(rows(lagging, topic)).toEqual([
      [topic, '0', '1', '5', '4'],
      [topic, '1', '3', '5', '2'],
    ]);

    const deleted = await cli(['groups', 'delete', group, ...bootstrap]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain(`deleted group ${group}`);
    expect(rows(await cli(['groups', 'list', ...bootstrap]), group)).toEqual([]);
    expectOneLineError(
      await cli(['groups', 'describe', group, ...bootstrap]),
      new RegExp(`GROUP_ID_NOT_FOUND.*"${group}" does not exist`),
    );
  });

  it('answers bad group input with one clear line and changes nothing', async () => {
    const missing = randomName('nogroup');
    const topic = randomName('gbad');
    await client.admin().createTopics([{ name: topic, partitions: 1 }]);
    const notFound = new RegExp(`GROUP_ID_NOT_FOUND.*"${missing}" does not exist`);
    expectOneLineError(await cli(['groups', 'describe', missing, ...bootstrap]), notFound);
    expectOneLineError(await cli(['groups', 'delete', missing, ...bootstrap]), notFound);
    expectOneLineError(
      await cli(['groups', 'reset-offsets', missing, '-t', topic, '--to-offset', '0', ...bootstrap]),
      notFound,
    );
    expectOneLineError(
      await cli(['groups', 'describe', ' ', ...bootstrap]),
      /group id must be a non-empty string/,
    );
    expectOneLineError(
      await cli(['consume', topic, '--group', ' ', ...bootstrap]),
      /groupId: must not be empty/,
    );
    expectOneLineError(
      await cli(['groups', 'reset-offsets', missing, '-t', topic, ...bootstrap]),
      /exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset/,
    );
    expect((await client.admin().listGroups()).map((g) => g.groupId)).not.toContain(missing);
  });
});
