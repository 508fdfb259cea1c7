import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@fjord/server-kit';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from './broker.js';
import { BROKER_CONFIG_SCHEMA, BROKER_SETTINGS, type BrokerConfig } from './config/schema.js';

const logger = pino({ level: 'silent' });

/** A TCP listener on 127.0.0.1 holding an ephemeral port, so that a bind to it fails. */
async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('startBroker / stop()', () => {
  let dataDir: string;
  let broker: RunningBroker | undefined;
  let blocker: Server | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fjord-broker-start-'));
  });
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
    blocker?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  // No coordinator listens on the given address: the broker keeps retrying its registration.
  const config = (port: number): BrokerConfig => {
    const argv = ['--broker-id', '1', '--port', String(port), '--metrics-port', '0', '--data-dir', dataDir];
    const result = loadConfig({ settings: BROKER_SETTINGS, schema: BROKER_CONFIG_SCHEMA, argv, env: {} });
    if (result.kind !== 'ok') throw new Error(`bad test config: ${JSON.stringify(result)}`);
    return { ...result.config, coordinator: '127.0.0.1:1', controlledShutdownTimeoutMs: 0 };
  };

  it('a start that fails at the gRPC bind releases what it opened: the store opens again', async () => {
    const occupied = await occupyPort();
    blocker = occupied.server;
    await expect(startBroker(config(occupied.port), logger)).rejects.toThrow();
    // LevelDB holds a lock on its directory: this start fails if the failed one left it open.
    broker = await startBroker(config(0), logger);
    expect(broker.port).toBeGreaterThan(0);
  });

  it('stop() closes the metrics server and the store, and can be called twice', async () => {
    broker = await startBroker(config(0), logger);
    const { metricsPort } = broker;
    // Not registered (no coordinator): health says 503, but the server answers.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(503);
    await Promise.all([broker.stop(), broker.stop()]);
    await expect(fetch(`http://127.0.0.1:${metricsPort}/healthz`)).rejects.toThrow();
    broker = await startBroker(config(0), logger);
  });
});
