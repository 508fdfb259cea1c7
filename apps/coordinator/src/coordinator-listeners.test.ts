import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COORDINATOR_CONFIG_SCHEMA } from './config/config-schema.js';
import { type RunningCoordinator, startCoordinator } from './coordinator.js';

const logger = pino({ level: 'silent' });
type Client = v1.CoordinatorServiceClient;

function call<Req, Res>(
  client: Client,
  method: (req: Req, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, (error, response) => (error ? reject(error) : resolve(response!)));
  });
}

const endpoint = (name: string, host: string, port: number) => ({
  name,
  host,
  port,
  securityProtocol: 'PLAINTEXT',
});

/** A broker as a container cluster registers it: INTERNAL by service name, EXTERNAL on the host. */
const registration = (brokerId: number, listeners: v1.ListenerEndpoint[]) => ({
  brokerId,
  host: listeners[0]!.host,
  port: listeners[0]!.port,
  incarnationId: `inc-${brokerId}`,
  listeners,
  kafkaHost: `broker-${brokerId}`,
  kafkaPort: 9092,
  kafkaListeners: [
    endpoint('INTERNAL', `broker-${brokerId}`, 9092),
    endpoint('EXTERNAL', '127.0.0.1', 19090 + brokerId),
  ],
});

describe('coordinator listeners (in-process, real clients on each listener)', () => {
  let dataDir: string;
  let coordinator: RunningCoordinator | undefined;
  const clients: Client[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fjord-coordinator-listeners-'));
    const config = COORDINATOR_CONFIG_SCHEMA.parse({
      metricsPort: '0',
      dataDir,
      listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0',
      advertisedListeners: 'EXTERNAL://localhost:17400',
      listenerSecurityProtocolMap: 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT',
    });
    coordinator = await startCoordinator({ config, logger });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await coordinator?.stop();
    coordinator = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  function clientOn(listener: string): Client {
    const { CoordinatorService } = loadFjordProto().fjord.v1;
    const port = coordinator!.ports.get(listener)!;
    const client = new CoordinatorService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    clients.push(client);
    return client;
  }

  it('answers GetMetadata, DescribeCluster and heartbeats with the addresses of the listener asked', async () => {
    const internal = clientOn('INTERNAL');
    const external = clientOn('EXTERNAL');
    const registered = await call(
      internal,
      internal.registerBroker,
      registration(1, [endpoint('INTERNAL', 'broker-1', 7400), endpoint('EXTERNAL', '127.0.0.1', 17401)]),
    );
    // Broker 2 has no EXTERNAL listener: clients on the host could not reach it.
    await call(internal, internal.registerBroker, registration(2, [endpoint('INTERNAL', 'broker-2', 7400)]));

    const hostView = await call(external, external.getMetadata, { topics: [] });
    expect(hostView.brokers.map((b) => [b.id, b.host, b.port])).toEqual([[1, '127.0.0.1', 17401]]);
    const containerView = await call(internal, internal.getMetadata, { topics: [] });
    expect(containerView.brokers.map((b) => [b.id, b.host, b.port])).toEqual([
      [1, 'broker-1', 7400],
      [2, 'broker-2', 7400],
    ]);
    // Every Kafka listener goes along, for the brokers' Kafka Metadata to pick from.
    expect(containerView.brokers[0]!.kafkaListeners.map((l) => `${l.name}:${l.host}:${l.port}`)).toEqual([
      'INTERNAL:broker-1:9092',
      'EXTERNAL:127.0.0.1:19091',
    ]);

    const fromHost = await call(external, external.describeCluster, {});
    expect(fromHost.coordinator).toBe('localhost:17400');
    expect(fromHost.brokers.map((b) => b.host)).toEqual(['127.0.0.1']);
    const fromContainer = await call(internal, internal.describeCluster, {});
    // INTERNAL advertises its bind address and bound port.
    expect(fromContainer.coordinator).toBe(`127.0.0.1:${coordinator!.ports.get('INTERNAL')}`);

    // A heartbeat names the inter-broker listener; without a name, the one it came in on counts.
    const named = await call(external, external.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: -1,
      listenerName: 'INTERNAL',
    });
    expect(named.brokers.map((b) => b.host)).toEqual(['broker-1', 'broker-2']);
    const unnamed = await call(external, external.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: -1,
    });
    expect(unnamed.brokers.map((b) => b.host)).toEqual(['127.0.0.1']);
  });

  it('refuses a registration with a malformed listener', async () => {
    const internal = clientOn('INTERNAL');
    const refused = await call(
      internal,
      internal.registerBroker,
      registration(1, [endpoint('INTERNAL', 'broker-1', 7400), { ...endpoint('EXTERNAL', '', 17401) }]),
    );
    expect(refused.errorMessage).toBe('listeners: listener EXTERNAL has an empty host');
    const unknown = await call(
      internal,
      internal.registerBroker,
      registration(1, [{ ...endpoint('INTERNAL', 'broker-1', 7400), securityProtocol: 'TLS' }]),
    );
    expect(unknown.errorMessage).toBe('listeners: listener INTERNAL has unknown security protocol "TLS"');
  });
});
