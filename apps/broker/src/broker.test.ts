import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@fjord/server-kit';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from './broker.js';
import { BROKER_CONFIG_SCHEMA, BROKER_SETTINGS, type BrokerConfig } from './config/schema.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];

/**
 * A broker on 127.0.0.1 with its own data directory. No coordinator listens at the address
 * it is given, so it keeps retrying its registration and never becomes SERVING.
 */
async function brokerConfig(port: number): Promise<BrokerConfig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fjord-broker-start-'));
  dirs.push(dataDir);
  const argv = ['--broker-id', '1', '--port', String(port), '--metrics-port', '0', '--data-dir', dataDir];
  const result = loadConfig({ settings: BROKER_SETTINGS, schema: BROKER_CONFIG_SCHEMA, argv, env: {} });
  if (result.kind !== 'ok') throw new Error(`bad test config: ${JSON.stringify(result)}`);
  return { ...result.config, coordinator: ['127.0.0.1:1'], controlledShutdownTimeoutMs: 0 };
}

describe('startBroker and stop()', () => {
  const running: RunningBroker[] = [];
  afterAll(async () => {
    await Promise.all(running.map((broker) => broker.stop()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('a broker whose port is taken fails to start and releases the store it opened', async () => {
    const first = await startBroker(await brokerConfig(0), logger);
    running.push(first);
    const config = await brokerConfig(0);
    const onPort = (port: number) => ({
      ...config,
      listeners: config.listeners.map((listener) => ({ ...listener, port })),
    });
    const second = onPort(first.port);
    await expect(startBroker(second, logger)).rejects.toThrow();
    // LevelDB locks its directory: this start fails if the failed one left the store open.
    const retried = await startBroker(onPort(0), logger);
    running.push(retried);
    expect(retried.port).toBeGreaterThan(0);
  });

  it('stop() closes the metrics server, once however often it is called', async () => {
    const broker = await startBroker(await brokerConfig(0), logger);
    running.push(broker);
    const healthz = `http://127.0.0.1:${broker.metricsPort}/healthz`;
    // Not registered (no coordinator): NOT_SERVING, but answering.
    expect((await fetch(healthz)).status).toBe(503);
    await Promise.all([broker.stop(), broker.stop()]);
    await expect(fetch(healthz)).rejects.toThrow();
  });
});
