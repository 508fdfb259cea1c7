import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from './load-config.js';
import { int } from './settings.js';

const schema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: int(0, 65_535).default(7400),
    sessionTimeoutMs: int(1).default(10_000),
    logLevel: z.enum(['info', 'debug']).default('info'),
  })
  .strict();

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fjord-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const load = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    loadConfig({ settings: schema, schema, argv, env });

  it('fills in defaults', () => {
    expect(load([])).toEqual({
      kind: 'ok',
      printConfig: false,
      config: { host: '127.0.0.1', port: 7400, sessionTimeoutMs: 10_000, logLevel: 'info' },
    });
  });

  it('takes flags over environment over file over defaults', () => {
    const yaml = file('c.yaml', 'host: from-file\nport: 1\nsessionTimeoutMs: 3000\nlog-level: debug\n');
    const result = load(['--config', yaml, '--port', '3'], { FJORD_PORT: '2', FJORD_HOST: 'from-env' });
    expect(result).toEqual({
      kind: 'ok',
      printConfig: false,
      config: { host: 'from-env', port: 3, sessionTimeoutMs: 3000, logLevel: 'debug' },
    });
  });

  it('reads JSON files, and the file named by FJORD_CONFIG', () => {
    const json = file('c.json', JSON.stringify({ port: 9000, 'session-timeout-ms': 500 }));
    const result = load([], { FJORD_CONFIG: json });
    expect(result).toMatchObject({ kind: 'ok', config: { port: 9000, sessionTimeoutMs: 500 } });
  });

  it('reports every problem at once, each with its setting and source', () => {
    const yaml = file('bad.yaml', 'port: abc\ncolour: blue\nhost: [a, b]\n');
    const result = load(['--config', yaml, '--session-timeout-ms', 'soon', '--nope', 'x', 'extra'], {
      FJORD_LOG_LEVEL: 'loud',
    });
    expect(result.kind).toBe('invalid');
    const problems = result.kind === 'invalid' ? result.problems : [];
    expect(problems).toEqual(
      expect.arrayContaining([
        'unexpected argument "extra"',
        '--nope: unknown flag (see --help)',
        // An unknown flag's value cannot be told from an argument.
        'unexpected argument "x"',
        `config file ${yaml}: unknown setting "colour"`,
        `config file ${yaml}: "host" must be a single value, not a list or map`,
        expect.stringMatching(
          /^--port \/ FJORD_PORT: must be a whole number \(got "abc" from .*bad\.yaml\)$/,
        ),
        '--session-timeout-ms / FJORD_SESSION_TIMEOUT_MS: must be a whole number (got "soon" from flag)',
        expect.stringMatching(/^--log-level \/ FJORD_LOG_LEVEL: .*\(got "loud" from FJORD_LOG_LEVEL\)$/),
      ]),
    );
    expect(problems).toHaveLength(8);
  });

  it('names a missing or unparsable file', () => {
    expect(load(['--config', join(dir, 'missing.yaml')])).toEqual({
      kind: 'invalid',
      problems: [`config file ${join(dir, 'missing.yaml')}: cannot be read (no such file)`],
    });
    const broken = file('broken.yaml', 'port: [1,\n');
    const result = load(['--config', broken]);
    expect(result.kind === 'invalid' && result.problems[0]).toMatch(/not valid YAML or JSON/);
    const list = file('list.yaml', '- 1\n- 2\n');
    expect(load(['--config', list])).toEqual({
      kind: 'invalid',
      problems: [`config file ${list}: must be a mapping of settings to values`],
    });
  });

  it('knows --help, --print-config and flags without a value', () => {
    expect(load(['--port', '1', '--help'])).toEqual({ kind: 'help' });
    expect(load(['--print-config'])).toMatchObject({ kind: 'ok', printConfig: true });
    expect(load(['--port'])).toEqual({ kind: 'invalid', problems: ['--port: needs a value'] });
  });
});
