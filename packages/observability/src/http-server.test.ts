import { Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthStatus } from './health.js';
import { METRICS_DISABLED_PORT, type ObservabilityServer, serveObservability } from './http-server.js';
import { createMetricsRegistry } from './registry.js';
import { RequestMetrics } from './request-metrics.js';

describe('serveObservability', () => {
  let server: ObservabilityServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (port = 0) => {
    const registry = createMetricsRegistry();
    const health = new HealthStatus(['test.v1.Service']);
    const logged: Array<{ fields: object; message: string }> = [];
    server = await serveObservability({
      host: '127.0.0.1',
      port,
      registry,
      health,
      logger: { info: (fields, message) => logged.push({ fields, message }) },
    });
    return { registry, health, logged, url: `http://127.0.0.1:${server.port}` };
  };

  it('binds an ephemeral port with 0 and logs it in the contract line', async () => {
    const { logged } = await start();
    expect(server!.port).toBeGreaterThan(0);
    expect(logged).toEqual([
      { fields: { metricsPort: server!.port, host: '127.0.0.1' }, message: 'metrics listening' },
    ]);
  });

  it('answers /healthz 503 until SERVING, 200 while SERVING, 503 again from shutdown on', async () => {
    const { health, url } = await start();
    const probe = async () => {
      const response = await fetch(`${url}/healthz`);
      return { status: response.status, body: await response.json() };
    };
    expect(await probe()).toEqual({ status: 503, body: { status: 'NOT_SERVING' } });
    health.setServing();
    expect(await probe()).toEqual({ status: 200, body: { status: 'SERVING' } });
    health.shutdown();
    expect(await probe()).toEqual({ status: 503, body: { status: 'NOT_SERVING' } });
    // Shutdown is final: a late setServing (a registration finishing meanwhile) changes nothing.
    health.setServing();
    expect(await probe()).toEqual({ status: 503, body: { status: 'NOT_SERVING' } });
  });

  it('serves the registry in Prometheus text format on /metrics', async () => {
    const { registry, url } = await start();
    new RequestMetrics(registry, 'fjord_test').start('Produce')('ok');
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('fjord_test_requests_total{api="Produce",outcome="ok"} 1');
    expect(text).toContain('fjord_test_request_duration_seconds_count{api="Produce"} 1');
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('answers 404 for other paths, 405 for other methods, 500 when a collect callback fails', async () => {
    const { registry, url } = await start();
    expect((await fetch(`${url}/`)).status).toBe(404);
    const post = await fetch(`${url}/metrics`, { method: 'POST' });
    expect({ status: post.status, allow: post.headers.get('allow') }).toEqual({
      status: 405,
      allow: 'GET, HEAD',
    });
    new Gauge({
      name: 'fjord_test_broken',
      help: 'fails',
      registers: [registry],
      collect() {
        throw new Error('no state');
      },
    });
    const broken = await fetch(`${url}/metrics`);
    expect(broken.status).toBe(500);
    expect(await broken.text()).toContain('no state');
  });

  it('closes while a scraper keeps a connection open, and port -1 starts nothing', async () => {
    const { url } = await start();
    await fetch(`${url}/healthz`, { headers: { connection: 'keep-alive' } });
    await server!.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    server = undefined;

    const logged: string[] = [];
    const disabled = await serveObservability({
      host: '127.0.0.1',
      port: METRICS_DISABLED_PORT,
      registry: createMetricsRegistry(),
      health: new HealthStatus([]),
      logger: { info: (_fields, message) => logged.push(message) },
    });
    expect(disabled.port).toBe(METRICS_DISABLED_PORT);
    expect(logged).toEqual(['metrics disabled']);
    await disabled.close();
  });
});
