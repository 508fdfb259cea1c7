import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COORDINATOR_CONFIG_SCHEMA } from './config/config-schema.js';
import { type RunningCoordinator, startCoordinator } from './coordinator.js';

const logger = pino({ level: 'silent' });

/** A TCP listener on 127.0.0.1 holding an ephemeral port, so that a bind to it fails. */
async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('startCoordinator / stop()', () => {
  let dataDir: string;
  let coordinator: RunningCoordinator | undefined;
  let blocker: Server | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fjord-coordinator-start-'));
  });
  afterEach(async () => {
    await coordinator?.stop();
    coordinator = undefined;
    blocker?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const config = (port: number) =>
    COORDINATOR_CONFIG_SCHEMA.parse({ host: '127.0.0.1', port: String(port), metricsPort: '0', dataDir });

  it('a start that fails at the gRPC bind releases what it opened: the store opens again', async () => {
    const occupied = await occupyPort();
    blocker = occupied.server;
    await expect(startCoordinator({ config: config(occupied.port), logger })).rejects.toThrow();
    // LevelDB holds a lock on its directory: this open fails if the failed start left it open.
    coordinator = await startCoordinator({ config: config(0), logger });
    expect(coordinator.port).toBeGreaterThan(0);
  });

  it('stop() closes the gRPC and metrics servers and the store, and can be called twice', async () => {
    coordinator = await startCoordinator({ config: config(0), logger });
    const { metricsPort } = coordinator;
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
    await Promise.all([coordinator.stop(), coordinator.stop()]);
    await expect(fetch(`http://127.0.0.1:${metricsPort}/healthz`)).rejects.toThrow();
    coordinator = await startCoordinator({ config: config(0), logger });
  });
});
