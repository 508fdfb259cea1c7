import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthStatus } from './health.js';
import { HealthClient } from './health-client.js';
import { bindLocal } from './testing/echo-service.js';

describe('HealthStatus over the gRPC health protocol', () => {
  let server: grpc.Server | undefined;
  let client: HealthClient | undefined;
  afterEach(() => {
    client?.close();
    server?.forceShutdown();
  });

  const start = async (services: string[]) => {
    const health = new HealthStatus(services);
    server = new grpc.Server();
    health.addToServer(server);
    client = new HealthClient(await bindLocal(server));
    return { health, client };
  };

  it('reports NOT_SERVING until set SERVING, for "" and each named service; NOT_FOUND for others', async () => {
    const { health, client } = await start(['fjord.v1.BrokerService']);
    expect(await client.check('')).toBe('NOT_SERVING');
    expect(await client.check('fjord.v1.BrokerService')).toBe('NOT_SERVING');
    health.setServing();
    expect(await client.check('')).toBe('SERVING');
    expect(await client.check('fjord.v1.BrokerService')).toBe('SERVING');
    await expect(client.check('fjord.v1.Nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('tells watchers SERVING then NOT_SERVING on shutdown, then ends their streams so draining is not held', async () => {
    const { health, client } = await start(['fjord.v1.CoordinatorService']);
    health.setServing();
    const watch = client.watch('');
    await watch.next((s) => s === 'SERVING');
    health.shutdown();
    expect(await watch.ended).toBeNull();
    expect(watch.statuses).toEqual(['SERVING', 'NOT_SERVING']);
    expect(health.serving).toBe(false);

    // A graceful shutdown of the server is not kept waiting by a watch opened afterwards.
    const late = client.watch('fjord.v1.CoordinatorService');
    expect(await late.ended).toBeNull();
    expect(late.statuses).toEqual(['NOT_SERVING']);
    await new Promise<void>((resolve) => server!.tryShutdown(() => resolve()));
  });
});
