import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cluster, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** `pnpm pack` of a workspace package into `dir`; returns the tarball's path. */
function pack(pkg: string, dir: string): string {
  execFileSync('pnpm', ['pack', '--pack-destination', dir], { cwd: join(REPO, pkg), stdio: 'ignore' });
  const name = pkg.split('/').pop()!;
  const tarball = readdirSync(dir).find((f) => f.startsWith(`fjord-${name}-`) && f.endsWith('.tgz'));
  if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${pkg}`);
  return join(dir, tarball);
}

describe('@fjord/sdk installed from its tarball, outside the monorepo', () => {
  let cluster: Cluster;
  const project = mkdtempSync(join(tmpdir(), 'fjord-sdk-user-'));

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1 });
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(project, { recursive: true, force: true });
  });

  it('installs with npm and produces and consumes against a running cluster', () => {
    const protocol = pack('packages/protocol', project);
    const sdk = pack('packages/sdk', project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'fjord-sdk-user',
        private: true,
        type: 'module',
        dependencies: { '@fjord/sdk': `file:${sdk}`, '@fjord/protocol': `file:${protocol}` },
        devDependencies: { typescript: '~5.9.3', '@types/node': '^20.19.0' },
        // The SDK's dependency on @fjord/protocol names a version that is not published:
        // use the packed one.
        overrides: { '@fjord/protocol': `file:${protocol}` },
      }),
    );
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: project,
      encoding: 'utf8',
    });
    expect({ status: install.status, stderr: install.stderr }).toMatchObject({ status: 0 });

    writeFileSync(
      join(project, 'app.mjs'),
      `import { Fjord } from '@fjord/sdk';
const fjord = new Fjord({ bootstrap: [process.argv[2]], clientId: 'outside' });
await fjord.admin().createTopics([{ name: 'outside', partitions: 2 }]);
const producer = fjord.producer({ acks: 1 });
const metas = await producer.send({ topic: 'outside', messages: [{ key: 'a', value: 'one' }, { key: 'a', value: 'two' }] });
const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
await reader.assign([{ topic: 'outside', partition: metas[0].partition }]);
const values = [];
for (let i = 0; i < 20 && values.length < 2; i++) {
  for (const r of await reader.poll(500)) values.push(r.value.toString());
}
console.log(JSON.stringify(values));
await fjord.close();
`,
    );
    const run = spawnSync(process.execPath, ['app.mjs', cluster.bootstrap], {
      cwd: project,
      encoding: 'utf8',
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(run.stdout.trim())).toEqual(['one', 'two']);

    // A TypeScript user gets the SDK's types through its exports map (strict, NodeNext).
    writeFileSync(
      join(project, 'typed.mts'),
      `import { Fjord, type RecordMetadata, UnknownTopicOrPartitionError } from '@fjord/sdk';
const fjord = new Fjord({ bootstrap: ['127.0.0.1:1'], clientId: 'typed' });
const send = (): Promise<RecordMetadata[]> => fjord.producer({ acks: 'all' }).send({ topic: 't', messages: [{ value: 'v' }] });
const offset: bigint | undefined = undefined as RecordMetadata['offset'] | undefined;
export { send, offset, UnknownTopicOrPartitionError };

// Errors narrow by class and by code, and a misspelt code does not compile.
import { type Consumer, type FjordError, NotLeaderError } from '@fjord/sdk';
import { protocolError } from '@fjord/sdk/internal';
const error: FjordError = protocolError(6);
if (error instanceof NotLeaderError) {
  const code: 'NOT_LEADER_OR_FOLLOWER' = error.code;
  void code;
}
// @ts-expect-error: not an error code
if (error.code === 'NOT_LEADER') void error;

// Members tagged @internal are not in the published types.
declare const consumer: Consumer;
// @ts-expect-error: internal to run()
void consumer.pollBatch;
`,
    );
    const tsc = spawnSync(
      process.execPath,
      [
        join(project, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
        'typed.mts',
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect({ status: tsc.status, output: tsc.stdout }).toEqual({ status: 0, output: '' });
  });
});
