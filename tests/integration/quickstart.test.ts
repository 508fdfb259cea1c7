import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fjord } from '@fjord/sdk';
import { waitFor } from '@fjord/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** True when nothing listens on 127.0.0.1:port right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * An ephemeral port P such that P..P+5 (three coordinators, then three brokers),
 * P+2000..P+2005 (their /metrics and /healthz) and P+1000..P+1002 (the brokers' Kafka
 * listeners) are free.
 */
async function freePortRange(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (base > 63_000) continue;
    const free = await Promise.all(
      [1, 2, 3, 4, 5, 1000, 1001, 1002, 2000, 2001, 2002, 2003, 2004, 2005].map((i) => portFree(base + i)),
    );
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free ranges of 6 ports found');
}

/** The first ```<lang> block of a README section, e.g. the SDK example under "## SDK". */
function readmeExample(readme: string, heading = '## SDK', lang = 'js'): string {
  const section = readme.slice(readme.indexOf(heading));
  const match = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(section);
  if (!match) throw new Error(`README has no \`\`\`${lang} block under "${heading}"`);
  return match[1]!;
}

/** The README's CLI lines: the ```sh block under "## CLI", one command per line. */
function readmeCliLines(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## CLI'));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README has no ```sh block under "## CLI"');
  return match[1]!.split('\n').filter((line) => line.trim() !== '');
}

/**
 * A PATH of a machine that has Node and npm and nothing else: a folder with links to node,
 * npm and npx, and sh (npm runs scripts and bins through it). No pnpm, no git.
 */
function nodeAndNpmOnly(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  const npxCli = realpathSync(execFileSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim());
  symlinkSync(process.execPath, join(dir, 'node'));
  symlinkSync(npmCli, join(dir, 'npm'));
  symlinkSync(npxCli, join(dir, 'npx'));
  symlinkSync('/bin/sh', join(dir, 'sh'));
  return dir;
}

describe('the README quick start, from a fresh clone', () => {
  const work = mkdtempSync(join(tmpdir(), 'fjord-quickstart-'));
  const clone = join(work, 'fjord');
  let dev: ChildProcess | undefined;

  afterAll(() => {
    if (dev?.pid && dev.exitCode === null) {
      try {
        process.kill(-dev.pid, 'SIGKILL');
      } catch {}
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('starts the local cluster with `npm start`, runs the SDK example, and stops cleanly on Ctrl-C', async () => {
    execFileSync('git', ['clone', '--quiet', REPO, clone]);
    const readme = readFileSync(join(clone, 'README.md'), 'utf8');
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');

    // As on a machine with Node 20 and npm only: the scripts fall back to `npx pnpm`.
    const newcomer = {
      PATH: nodeAndNpmOnly(join(work, 'bin')),
      HOME: process.env.HOME ?? work,
      ...(process.env.CI ? { CI: process.env.CI } : {}),
    };
    let output = '';
    let port = 0;
    let closed: Promise<void> = Promise.resolve();
    // The ports are free when chosen, but the first `npm start` installs and builds for half
    // a minute, and a test running beside this one can take one of them meanwhile. The CLI
    // then says so and exits, as it would for a user, who would pick other ports: so does this.
    for (let attempt = 1; ; attempt++) {
      port = await freePortRange();
      output = '';
      const args = [
        '--port',
        String(port),
        '--kafka-port',
        String(port + 1000),
        '--data-dir',
        join(work, `data-${attempt}`),
      ];
      // Its own process group, so that SIGINT reaches npm and everything under it, as Ctrl-C does.
      const started = spawn('npm', ['start', '--', ...args], {
        cwd: clone,
        env: newcomer,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      dev = started;
      started.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
      });
      started.stderr!.on('data', (d: Buffer) => {
        output += d.toString();
      });
      // 'close' fires when every process holding the pipes (npm, the wrapper, the CLI and the
      // nodes it started) has gone.
      closed = new Promise<void>((resolve) => started.on('close', () => resolve()));
      let ended = false;
      void closed.then(() => {
        ended = true;
      });
      const fjord = new Fjord({ bootstrap: [`127.0.0.1:${port}`], clientId: 'quickstart-test' });
      try {
        const up = waitFor(
          async () => {
            if (ended) return true;
            // The banner comes once the CLI has seen the cluster up itself; a user waits for it.
            if (!output.includes('fjord dev: cluster ready')) return false;
            const cluster = await fjord.admin().describeCluster();
            return cluster.brokers.length === 3 && cluster.brokers.every((b) => b.alive);
          },
          {
            timeoutMs: 600_000,
            intervalMs: 1_000,
            message: () => `local cluster up; output so far:\n${output}`,
          },
        );
        await up;
        if (!ended) break;
        if (!output.includes('is already in use') || attempt === 3) {
          throw new Error(`npm start ended before the cluster was up:\n${output}`);
        }
      } finally {
        await fjord.close();
      }
    }
    const kafkaPort = port + 1000;
    // One coordinator address is enough to bootstrap from; the banner lists all three.
    const bootstrap = `127.0.0.1:${port}`;
    const bootstrapList = [0, 1, 2].map((i) => `127.0.0.1:${port + i}`).join(',');
    expect(output).toContain(`fjord dev: cluster ready — bootstrap ${bootstrapList}`);

    // Every node answers its health check next to /metrics, at its port + 2000.
    for (const i of [0, 1, 2, 3, 4, 5]) {
      const health = await fetch(`http://127.0.0.1:${port + 2000 + i}/healthz`);
      expect(health.status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${port + 2000 + i}/metrics`)).text()).toContain('fjord_');
    }

    // The README's SDK example, as pasted, pointed at this cluster's port.
    const example = join(clone, 'tests', 'integration', 'readme-example.mjs');
    writeFileSync(example, readmeExample(readme).replaceAll('127.0.0.1:7400', bootstrap));
    const run = spawnSync(process.execPath, [example], {
      cwd: join(clone, 'tests', 'integration'),
      encoding: 'utf8',
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toContain('orders');

    // The banner's hint is a command that works here.
    expect(output).toContain(`try: FJORD_BOOTSTRAP=${bootstrapList} npx fjord topics create demo`);

    // The README's CLI lines, as written, in order, with only node and npm on PATH; the
    // cluster's address comes from FJORD_BOOTSTRAP, as the README says it may.
    const lines = readmeCliLines(readme);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const cli = spawnSync('/bin/sh', ['-c', line], {
        cwd: clone,
        env: { ...newcomer, FJORD_BOOTSTRAP: bootstrapList },
        encoding: 'utf8',
        timeout: 120_000,
      });
      const failure = cli.status === 0 ? '' : `${cli.stdout}${cli.stderr}${cli.error ?? ''}`;
      expect({ line, status: cli.status, failure }).toEqual({ line, status: 0, failure: '' });
    }

    // The README's Kafka client examples, as pasted, pointed at this cluster's Kafka port:
    // kcat (with the topic created by the CLI), then KafkaJS reading both records.
    const kafkaBootstrap = `127.0.0.1:${kafkaPort}`;
    const kcatRun = spawnSync(
      '/bin/sh',
      [
        '-e',
        '-c',
        readmeExample(readme, '## Kafka clients', 'sh').replaceAll('127.0.0.1:9092', kafkaBootstrap),
      ],
      {
        cwd: clone,
        encoding: 'utf8',
        // kcat is the one tool beyond node and npm these lines need (Debian package kcat).
        env: { ...newcomer, PATH: `${newcomer.PATH}:/usr/bin`, FJORD_BOOTSTRAP: bootstrap },
      },
    );
    expect({ status: kcatRun.status, stderr: kcatRun.stderr }).toMatchObject({ status: 0 });
    expect(kcatRun.stdout).toContain('kcat hello from kcat');
    const kafkaExample = join(clone, 'tests', 'integration', 'kafka-example.mjs');
    writeFileSync(
      kafkaExample,
      readmeExample(readme, '## Kafka clients', 'js').replaceAll('127.0.0.1:9092', kafkaBootstrap),
    );
    const kafkajsRun = spawnSync(process.execPath, [kafkaExample], {
      cwd: join(clone, 'tests', 'integration'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: kafkajsRun.status, stderr: kafkajsRun.stderr }).toMatchObject({ status: 0 });
    expect(kafkajsRun.stdout).toMatch(/\d+@\d+ kcat hello from kcat/);
    expect(kafkajsRun.stdout).toMatch(/\d+@\d+ kafkajs hello from KafkaJS/);

    // Ctrl-C. npm itself dies of the SIGINT, as it does in a terminal; what matters is that
    // the CLI stops every node cleanly.
    process.kill(-dev!.pid!, 'SIGINT');
    const outcome = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('timeout'), 30_000)),
    ]);
    expect(outcome).toBe('closed');
    for (const node of [
      'coordinator-1',
      'coordinator-2',
      'coordinator-3',
      'broker-1',
      'broker-2',
      'broker-3',
    ]) {
      expect(output).toMatch(new RegExp(`\\[${node}\\]\\s+exited \\(code 0\\)`));
    }
    expect(output).toContain('fjord dev: stopped');
    expect(await portFree(port)).toBe(true);
  }, 900_000);

  it('runs the test command `npm test` in the clone (limited to the protocol unit tests)', () => {
    // The whole suite is what CI runs from a fresh clone; here the command itself is checked.
    const run = spawnSync('npm', ['test', '--', '--project', 'unit', 'packages/protocol'], {
      cwd: clone,
      encoding: 'utf8',
      // Without the outer vitest's variables, so the inner run behaves as it would for a user.
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST'))),
        CI: 'true',
      },
    });
    const lines = run.stdout.trim().split('\n');
    const tail = `${lines.slice(-15).join('\n')}\n${run.stderr.slice(-2000)}`;
    expect({ status: run.status, tail: run.status === 0 ? '' : tail }).toEqual({ status: 0, tail: '' });
    expect(lines.at(-1)).toMatch(/^[1-9]\d* passed, 0 failed$/);
  }, 900_000);
});
