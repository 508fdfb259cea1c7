import { helpText, loadConfig as loadSettings } from '@fjord/server-kit';
import { describe, expect, it } from 'vitest';
import { BROKER_CONFIG_SCHEMA, BROKER_SETTINGS } from './schema.js';

const loadConfig = (argv: string[], env: NodeJS.ProcessEnv) =>
  loadSettings({ settings: BROKER_SETTINGS, schema: BROKER_CONFIG_SCHEMA, argv, env });

describe('loadConfig', () => {
  it('fills defaults from the broker id', () => {
    const result = loadConfig(['--broker-id', '2'], {});
    expect(result).toEqual({
      kind: 'ok',
      printConfig: false,
      config: {
        brokerId: 2,
        host: '127.0.0.1',
        port: 7402,
        advertisedHost: '127.0.0.1',
        dataDir: './.fjord/broker-2',
        coordinator: '127.0.0.1:7400',
        flushPolicy: 'os',
        flushIntervalMs: 1000,
        retentionCheckIntervalMs: 300_000,
        replicaLagTimeMaxMs: 10_000,
        replicaFetchWaitMaxMs: 500,
        highWatermarkCheckpointIntervalMs: 5_000,
        controlledShutdownTimeoutMs: 10_000,
        metricsPort: 9402,
        maxRequestBytes: 64 * 1024 * 1024,
        maxConcurrentStreams: 100,
        maxLookupRequestBytes: 1024 * 1024,
        maxAckWaitMs: 30_000,
        logLevel: 'info',
      },
    });
  });

  it('takes flags over environment over defaults', () => {
    const result = loadConfig(['--port', '0', '--flush-policy=sync', '--metrics-port', '-1'], {
      FJORD_BROKER_ID: '1',
      FJORD_PORT: '9999',
      FJORD_ADVERTISED_HOST: 'broker-1.local',
      FJORD_METRICS_PORT: '0',
    });
    expect(result.kind === 'ok' && result.config).toMatchObject({
      brokerId: 1,
      port: 0,
      flushPolicy: 'sync',
      advertisedHost: 'broker-1.local',
      metricsPort: -1,
    });
    const fromEnv = loadConfig([], { FJORD_BROKER_ID: '1', FJORD_METRICS_PORT: '0' });
    expect(fromEnv.kind === 'ok' && fromEnv.config.metricsPort).toBe(0);
  });

  it('reports every problem at once', () => {
    const result = loadConfig(
      [
        '--bogus',
        '1',
        '--flush-policy',
        'never',
        '--port',
        '70000',
        '--coordinator',
        'x',
        '--metrics-port',
        '-2',
      ],
      {},
    );
    expect(result.kind).toBe('invalid');
    const problems = result.kind === 'invalid' ? result.problems.join('\n') : '';
    expect(problems).toContain('--bogus');
    expect(problems).toContain('--broker-id');
    expect(problems).toContain('--flush-policy');
    expect(problems).toContain('--port');
    expect(problems).toContain('--coordinator');
    expect(problems).toContain('--metrics-port');
  });

  it('answers --help', () => {
    expect(loadConfig(['--help'], {})).toEqual({ kind: 'help' });
    const help = helpText({ command: 'fjord-broker', summary: '', settings: BROKER_SETTINGS });
    expect(help).toMatch(/--retention-check-interval-ms <value> .*\(default 300000\)/);
    expect(help).toMatch(/--port <value> .*\(default 7400 \+ broker id\)/);
    expect(help).toMatch(/--broker-id <value> .*\(required\)/);
  });
});
