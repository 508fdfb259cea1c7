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
      listeners: [{ name: 'PLAINTEXT', port: 9003 }],
      flushPolicy: 'sync',
      retentionCheckIntervalMs: 60_000,
      dataDir: './.fjord/broker-4',
      coordinator: ['127.0.0.1:7400'],
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
    'docker-compose accepts docker-compose.yml, every service passes its app config schema, and its listeners match the published ports';
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
        ports: string[];
        network_mode?: string;
        healthcheck: { test: string[] };
      }
    >;
    const coordinators = ['coordinator-1', 'coordinator-2', 'coordinator-3'];
    expect(Object.keys(services).sort()).toEqual(['broker-1', 'broker-2', 'broker-3', ...coordinators]);
    interface EffectiveListener {
      name: string;
      host: string;
      port: number;
      advertisedHost: string;
      advertisedPort: number;
    }
    const hostPorts: Record<string, number[]> = { grpc: [], kafka: [], metrics: [] };
    const dataVolumes: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      const [entry, ...args] = service.command;
      expect({ name, entry: ENTRY[entry!] !== undefined }).toEqual({ name, entry: true });
      const run = runApp(ENTRY[entry!]!, [...args, '--print-config'], service.environment);
      expect({ name, status: run.status, stderr: run.stderr }).toEqual({ name, status: 0, stderr: '' });
      const effective = JSON.parse(run.stdout) as {
        listeners: EffectiveListener[];
        kafkaListeners?: EffectiveListener[];
        interBrokerListenerName?: string;
        metricsPort: number;
        dataDir: string;
        nodeId?: number;
        voters?: Array<{ id: number; address: string }> | null;
      };
      expect(effective.dataDir).toBe('/data');
      expect(service.network_mode).toBeUndefined();
      // Published port -> container port, all on the host's loopback only.
      const published = new Map(
        service.ports.map((p) => {
          const match = /^127\.0\.0\.1:(\d+):(\d+)(\/tcp)?$/.exec(p);
          expect({ name, port: p, loopbackOnly: match !== null }).toEqual({
            name,
            port: p,
            loopbackOnly: true,
          });
          return [Number(match![2]), Number(match![1])] as const;
        }),
      );
      // INTERNAL: advertised by service name on its container port, for the bridge network;
      // EXTERNAL: advertised as 127.0.0.1 on the port published for it, for clients on the host.
      const check = (kind: 'grpc' | 'kafka', listeners: EffectiveListener[] | undefined) => {
        const byName = Object.fromEntries((listeners ?? []).map((l) => [l.name, l]));
        expect(Object.keys(byName).sort()).toEqual(['EXTERNAL', 'INTERNAL']);
        expect(byName.INTERNAL).toMatchObject({
          advertisedHost: name,
          advertisedPort: byName.INTERNAL!.port,
        });
        const external = byName.EXTERNAL!;
        expect({ name, kind, advertised: external.advertisedHost }).toEqual({
          name,
          kind,
          advertised: '127.0.0.1',
        });
        expect({ name, kind, published: published.get(external.port) }).toEqual({
          name,
          kind,
          published: external.advertisedPort,
        });
        hostPorts[kind]!.push(external.advertisedPort);
      };
      check('grpc', effective.listeners);
      if (coordinators.includes(name)) {
        // One quorum: the same voter list everywhere, each voter at its INTERNAL listener (as
        // it advertises it, checked above), and this service's own id in it.
        expect({ name, nodeId: effective.nodeId }).toEqual({ name, nodeId: coordinators.indexOf(name) + 1 });
        expect(effective.voters).toEqual(coordinators.map((c, i) => ({ id: i + 1, address: `${c}:7400` })));
      } else {
        check('kafka', effective.kafkaListeners);
        expect(effective.interBrokerListenerName).toBe('INTERNAL');
        // Every coordinator's INTERNAL listener, as it advertises it (checked above).
        expect(service.environment.FJORD_COORDINATOR).toBe(coordinators.map((c) => `${c}:7400`).join(','));
      }
      hostPorts.metrics!.push(published.get(effective.metricsPort)!);
      // The health check asks GET /healthz on the process's own metrics port.
      expect(service.healthcheck.test).toEqual([
        'CMD',
        'node',
        '/app/healthcheck.mjs',
        String(effective.metricsPort),
      ]);
      expect(service.volumes.some((v) => v.endsWith(':/data:rw') || v.endsWith(':/data'))).toBe(true);
      dataVolumes.push(service.volumes.find((v) => v.includes(':/data'))!.split(':')[0]!);
    }
    // Each process its own volume: a voter sharing another's disk would vote twice.
    expect(new Set(dataVolumes).size).toBe(Object.keys(services).length);
    // The defaults the README and docs/OPERATIONS.md give for clients on the host.
    expect(hostPorts.grpc!.sort()).toEqual([7400, 7401, 7402, 7403, 7410, 7420]);
    expect(hostPorts.kafka!.sort()).toEqual([9092, 9093, 9094]);
    expect(hostPorts.metrics!.sort()).toEqual([9400, 9401, 9402, 9403, 9410, 9420]);
  });
});
