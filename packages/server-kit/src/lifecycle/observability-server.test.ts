import { describe, expect, it } from 'vitest';
import { startObservability } from './observability-server.js';
import { Teardown } from './teardown.js';

const quiet = { info: () => undefined, error: () => undefined };

describe('startObservability', () => {
  it('answers /healthz with 503 until serving, and is gone once the teardown ran', async () => {
    const teardown = new Teardown(quiet);
    const { health, port, registry } = await startObservability(
      teardown,
      { host: '127.0.0.1', metricsPort: 0 },
      ['test.Service'],
      quiet,
    );
    try {
      expect(port).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(503);
      health.setServing();
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(await registry.metrics()).toContain('process_');
    } finally {
      await teardown.run();
    }
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('with port -1 serves nothing and still gives the registry and health status', async () => {
    const teardown = new Teardown(quiet);
    const started = await startObservability(
      teardown,
      { host: '127.0.0.1', metricsPort: -1 },
      ['test.Service'],
      quiet,
    );
    expect(started.port).toBe(-1);
    await teardown.run();
  });
});
