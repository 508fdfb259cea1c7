import { describe, expect, it } from 'vitest';
import { loadConfig, usage } from './load.js';

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
        logLevel: 'info',
      },
    });
  });

  it('takes flags over environment over defaults', () => {
    const result = loadConfig(['--port', '0', '--flush-policy=sync'], {
      FJORD_BROKER_ID: '1',
      FJORD_PORT: '9999',
      FJORD_ADVERTISED_HOST: 'broker-1.local',
    });
    expect(result.kind === 'ok' && result.config).toMatchObject({
      brokerId: 1,
      port: 0,
      flushPolicy: 'sync',
      advertisedHost: 'broker-1.local',
    });
  });

  it('reports every problem at once', () => {
    const result = loadConfig(
      ['--bogus', '1', '--flush-policy', 'never', '--port', '70000', '--coordinator', 'x'],
      {},
    );
    expect(result.kind).toBe('invalid');
    const problems = result.kind === 'invalid' ? result.problems.join('\n') : '';
    expect(problems).toContain('--bogus');
    expect(problems).toContain('--broker-id');
    expect(problems).toContain('--flush-policy');
    expect(problems).toContain('--port');
    expect(problems).toContain('--coordinator');
  });

  it('answers --help', () => {
    expect(loadConfig(['--help'], {})).toEqual({ kind: 'help' });
    expect(usage()).toContain('--retention-check-interval-ms');
  });
});
