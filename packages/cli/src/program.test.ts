import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { run } from './run.js';

function captureIo(env: NodeJS.ProcessEnv = {}): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += chunk;
  });
  stderr.on('data', (chunk) => {
    err += chunk;
  });
  return { stdin: new PassThrough(), stdout, stderr, env, out: () => out, err: () => err };
}

describe('fjord command line', () => {
  it('exits 2 with one fjord: line for usage errors', async () => {
    const io = captureIo();
    expect(await run(['topics', 'create', 'orders'], io)).toBe(2);
    expect(io.err()).toBe("fjord: required option '-p, --partitions <n>' not specified\n");

    const bad = captureIo();
    expect(await run(['produce', 't', '--acks', '2'], bad)).toBe(2);
    expect(bad.err()).toContain("option '-a, --acks <acks>' argument '2' is invalid. expected 0, 1 or all.");

    const quorum = captureIo();
    expect(await run(['dev', '--coordinators', '2'], quorum)).toBe(2);
    expect(quorum.err()).toContain(
      "option '--coordinators <n>' argument '2' is invalid. expected 1, 3 or 5.",
    );

    const list = captureIo();
    expect(await run(['topics', 'list', '--bootstrap', '127.0.0.1:7400,coordinator'], list)).toBe(2);
    expect(list.err()).toContain('"coordinator" is not host:port');

    const unknown = captureIo();
    expect(await run(['topiks'], unknown)).toBe(2);
    expect(unknown.err()).toContain('(Did you mean topics?)');
  });

  it('exits 2 when alter has nothing to change, before connecting', async () => {
    const io = captureIo();
    expect(await run(['topics', 'alter', 'orders', '-b', '127.0.0.1:1'], io)).toBe(2);
    expect(io.err()).toBe(
      'fjord: topics alter: nothing to change; give --config key=value and/or --delete-config key\n',
    );
  });

  it('prints help and the version with exit code 0', async () => {
    const help = captureIo();
    expect(await run(['topics', 'create', '--help'], help)).toBe(0);
    expect(help.out()).toContain('--replication-factor <n>');
    expect(help.out()).toContain('--bootstrap <host:port,...>');
    const version = captureIo();
    expect(await run(['--version'], version)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('reports an unreachable coordinator in one line with exit code 1', async () => {
    const io = captureIo({ FJORD_BOOTSTRAP: '127.0.0.1:1' });
    expect(await run(['topics', 'list'], io)).toBe(1);
    expect(io.err()).toBe(
      'fjord: cannot reach coordinator at 127.0.0.1:1 (connection refused) — is the cluster running? ' +
        'start it with: npm start\n',
    );
  });

  it('takes a list of coordinators and names them all when none answers', async () => {
    const io = captureIo({ FJORD_BOOTSTRAP: '127.0.0.1:1, 127.0.0.1:2' });
    expect(await run(['topics', 'list'], io)).toBe(1);
    expect(io.err()).toBe(
      'fjord: cannot reach coordinator at 127.0.0.1:1,127.0.0.1:2 (connection refused) — is the cluster running? ' +
        'start it with: npm start\n',
    );
  });

  it('takes --bootstrap before or after the subcommand', async () => {
    for (const argv of [
      ['-b', '127.0.0.1:2', 'topics', 'list'],
      ['topics', 'list', '--bootstrap', '127.0.0.1:2'],
    ]) {
      const io = captureIo({ FJORD_BOOTSTRAP: '127.0.0.1:1' });
      expect(await run(argv, io)).toBe(1);
      expect(io.err()).toContain('cannot reach coordinator at 127.0.0.1:2');
    }
  });
});
