import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { missingTool } from './required-tool.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY: Record<string, string> = {
  'coordinator/dist/main.js': join(REPO, 'apps', 'coordinator', 'dist', 'main.js'),
  'broker/dist/main.js': join(REPO, 'apps', 'broker', 'dist', 'main.js'),
};

/** Runs an app's entry with exactly the given environment (plus PATH). */
function runApp(entry: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [entry, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 20_000,
  });
}

describe('server configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fjord-config-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes flags over FJORD_* environment over the config file over defaults', () => {
    const file = join(dir, 'broker.yaml');
    writeFileSync(file, 'broker-id: 4\nport: 9001\nflushPolicy: interval\nretentionCheckIntervalMs: 60000\n');
    const run = runApp(
      ENTRY['broker/dist/main.js']!,
      ['--config', file, '--port', '9003', '--print-config'],
      {
        FJORD_PORT: '9002',
        FJORD_FLUSH_POLICY: 'sync',
      },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({
      brokerId: 4,
      port: 9003,
      flushPolicy: 'sync',
      retentionCheckIntervalMs: 60_000,
      dataDir: './.fjord/broker-4',
      coordinator: '127.0.0.1:7400',
    });
  });

  it('reports every problem of a bad file at once and exits 2', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ port: 'seventy', sessionTimeoutMs: 5, colour: 'blue', logLevel: 'loud' }),
    );
    const run = runApp(ENTRY['coordinator/dist/main.js']!, ['--config', file]);
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe('fjord-coordinator: invalid configuration');
    expect(lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual(
      expect.arrayContaining([
        `config file ${file}`,
        '--port / FJORD_PORT',
        '--session-timeout-ms / FJORD_SESSION_TIMEOUT_MS',
        '--log-level / FJORD_LOG_LEVEL',
      ]),
    );
    expect(lines).toHaveLength(5);
  });

  const noCompose = missingTool('docker-compose', 'apt-get install docker-compose');
  const composeTitle =
    'docker-compose accepts docker-compose.yml, and every service passes its app config schema';
  it.skipIf(noCompose)(noCompose ? `${composeTitle} (skipped: ${noCompose})` : composeTitle, () => {
    const config = spawnSync('docker-compose', ['-f', join(REPO, 'docker-compose.yml'), 'config'], {
      encoding: 'utf8',
    });
    expect({ status: config.status, stderr: config.stderr }).toMatchObject({ status: 0 });
    const services = parse(config.stdout).services as Record<
      string,
      {
        command: string[];
        environment: Record<string, string>;
        volumes: string[];
        healthcheck: { test: string[] };
      }
    >;
    expect(Object.keys(services).sort()).toEqual(['broker-1', 'broker-2', 'broker-3', 'coordinator']);
    const ports = new Set<number>();
    const metricsPorts = new Set<number>();
    for (const [name, service] of Object.entries(services)) {
      const [entry, ...args] = service.command;
      expect({ name, entry: ENTRY[entry!] !== undefined }).toEqual({ name, entry: true });
      const run = runApp(ENTRY[entry!]!, [...args, '--print-config'], service.environment);
      expect({ name, status: run.status, stderr: run.stderr }).toEqual({ name, status: 0, stderr: '' });
      const effective = JSON.parse(run.stdout) as { port: number; metricsPort: number; dataDir: string };
      expect(effective.dataDir).toBe('/data');
      ports.add(effective.port);
      metricsPorts.add(effective.metricsPort);
      // The health check asks GET /healthz on the process's own metrics port.
      expect(service.healthcheck.test).toEqual([
        'CMD',
        'node',
        '/app/healthcheck.mjs',
        String(effective.metricsPort),
      ]);
      expect(service.volumes.some((v) => v.endsWith(':/data:rw') || v.endsWith(':/data'))).toBe(true);
    }
    expect([...ports].sort()).toEqual([7400, 7401, 7402, 7403]);
    expect([...metricsPorts].sort()).toEqual([9400, 9401, 9402, 9403]);
  });
});
