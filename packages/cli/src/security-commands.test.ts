import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { run } from './run.js';

// The command lines of `fjord acls`, `fjord users` and --client-config that must fail before
// any connection: every case points at a port nothing listens on, so reaching the network
// would fail differently (a connection error, exit 1).
const NOWHERE = '127.0.0.1:1';
const dir = mkdtempSync(join(tmpdir(), 'fjord-cli-security-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

async function fails(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; err: string }> {
  const io = captureIo(env);
  const code = await run(argv, io);
  return { code, err: io.err() };
}

describe('fjord acls', () => {
  it('exits 2 naming the problem, before connecting', async () => {
    expect(await fails(['acls', '--add', '--topic', 'orders', '-b', NOWHERE])).toEqual({
      code: 2,
      err: 'fjord: acls: --add needs --allow-principal or --deny-principal\n',
    });
    expect(await fails(['acls', '--remove', '--topic', 'orders', '-b', NOWHERE])).toEqual({
      code: 2,
      err: 'fjord: acls: --remove deletes without asking only with --force (fjord never prompts; check first with --list)\n',
    });
    const badPrincipal = await fails(['acls', '--add', '--allow-principal', 'alice', '--topic', 't']);
    expect(badPrincipal.code).toBe(2);
    expect(badPrincipal.err).toContain(
      "option '--allow-principal <principal>' argument 'alice' is invalid. expected Type:name, e.g. User:alice or User:*.",
    );
    const badOperation = await fails(['acls', '--list', '--operation', 'Fly']);
    expect(badOperation.code).toBe(2);
    expect(badOperation.err).toContain("option '--operation <operation>' argument 'Fly' is invalid");
  });

  it('shows its flags in --help', async () => {
    const io = captureIo();
    expect(await run(['acls', '--help'], io)).toBe(0);
    for (const flag of [
      '--allow-principal',
      '--deny-host',
      '--resource-pattern-type',
      '--transactional-id',
      '--force',
      '--client-config',
    ]) {
      expect(io.out()).toContain(flag);
    }
  });
});

describe('fjord users', () => {
  it('exits 2 for a missing mechanism or password', async () => {
    const noMechanism = await fails(['users', 'set', 'alice', '--password', 'p', '-b', NOWHERE]);
    expect(noMechanism).toEqual({
      code: 2,
      err: "fjord: required option '--mechanism <mechanism>' not specified\n",
    });
    expect(await fails(['users', 'set', 'alice', '--mechanism', 'scram-sha-256', '-b', NOWHERE])).toEqual({
      code: 2,
      err: 'fjord: users set: give --password or --password-file (- for stdin), exactly one\n',
    });
    const badMechanism = await fails(['users', 'delete', 'alice', '--mechanism', 'md5']);
    expect(badMechanism.code).toBe(2);
    expect(badMechanism.err).toContain('expected scram-sha-256 or scram-sha-512.');
  });
});

describe('--client-config', () => {
  it('exits 2 for a missing file, bad JSON or an unknown field, from the flag or FJORD_CLIENT_CONFIG', async () => {
    const missing = join(dir, 'missing.json');
    expect(await fails(['topics', 'list', '--client-config', missing])).toEqual({
      code: 2,
      err: `fjord: client config ${missing}: cannot read it (no such file)\n`,
    });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    const badJson = await fails(['acls', '--list'], { FJORD_CLIENT_CONFIG: bad });
    expect(badJson.code).toBe(2);
    expect(badJson.err).toMatch(/^fjord: client config .*bad\.json: not valid JSON/);
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ bootstrap: [NOWHERE], password: 'x' }));
    expect(await fails(['cluster', '--client-config', unknown])).toEqual({
      code: 2,
      err: `fjord: client config ${unknown}: unknown field "password"; known: bootstrap, clientId, requestTimeoutMs, metadataMaxAgeMs, ssl, sasl\n`,
    });
  });

  it("connects where the file's bootstrap says; --bootstrap wins", async () => {
    const config = join(dir, 'nowhere.json');
    writeFileSync(config, JSON.stringify({ bootstrap: [NOWHERE], requestTimeoutMs: 1000 }));
    const fromFile = await fails(['topics', 'list', '--client-config', config]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.err).toContain(NOWHERE);
    const flagWins = await fails(['topics', 'list', '--client-config', config, '-b', '127.0.0.1:2']);
    expect(flagWins.code).toBe(1);
    expect(flagWins.err).toContain('127.0.0.1:2');
    expect(flagWins.err).not.toContain(NOWHERE);
  });
});
