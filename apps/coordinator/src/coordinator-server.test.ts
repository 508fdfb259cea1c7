import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COORDINATOR_CONFIG_SCHEMA } from './config/config-schema.js';
import { type RunningCoordinator, startCoordinator } from './coordinator.js';

const logger = pino({ level: 'silent' });

type Client = v1.CoordinatorServiceClient;

/** Calls a unary method and returns its response as a promise. */
function call<Req, Res>(
  client: Client,
  method: (req: Req, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, (error, response) => (error ? reject(error) : resolve(response!)));
  });
}

describe('coordinator gRPC server (in-process, real client)', () => {
  let dataDir: string;
  let coordinator: RunningCoordinator | undefined;
  let client: Client | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fjord-coordinator-grpc-'));
    const config = COORDINATOR_CONFIG_SCHEMA.parse({
      host: '127.0.0.1',
      port: '0',
      metricsPort: '0',
      dataDir,
      advertisedHost: 'coord.test',
    });
    coordinator = await startCoordinator({ config, logger });
    const { CoordinatorService } = loadFjordProto().fjord.v1;
    client = new CoordinatorService(`127.0.0.1:${coordinator.port}`, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    client?.close();
    await coordinator?.stop();
    client = undefined;
    coordinator = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a heartbeat sends no replica list when only metadata unrelated to the broker changed', async () => {
    const c = client!;
    const registered = await call(c, c.registerBroker, {
      brokerId: 1,
      host: '127.0.0.1',
      port: 7401,
      incarnationId: 'inc-1',
    });
    await call(c, c.createTopics, { topics: [{ name: 'orders', partitions: 2 }] });
    const full = await call(c, c.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: -1,
    });
    expect(full).toMatchObject({ hasChanges: true, viewUnchanged: false });
    expect(full.replicas).toHaveLength(2);
    expect(full.viewDigest).toMatch(/^[0-9a-f]{64}$/);

    // A producer id block moves the metadata version; broker 1's replicas and brokers do not change.
    const { ProducerIdService } = loadFjordProto().fjord.v1;
    const producers = new ProducerIdService(
      `127.0.0.1:${coordinator!.port}`,
      grpc.credentials.createInsecure(),
    );
    await new Promise((resolve, reject) =>
      producers.initProducerId({}, (error, response) => (error ? reject(error) : resolve(response))),
    );
    producers.close();
    const quiet = await call(c, c.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: full.metadataVersion,
      knownViewDigest: full.viewDigest,
    });
    expect(BigInt(quiet.metadataVersion)).toBeGreaterThan(BigInt(full.metadataVersion));
    expect(quiet).toMatchObject({ hasChanges: true, viewUnchanged: true, replicas: [], brokers: [] });
    expect(quiet.viewDigest).toBe(full.viewDigest);

    // A broker that sends no digest (older, or just started) always gets the complete list.
    const older = await call(c, c.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: full.metadataVersion,
    });
    expect(older).toMatchObject({ hasChanges: true, viewUnchanged: false });
    expect(older.replicas).toHaveLength(2);

    // A change to its replicas is sent in full.
    await call(c, c.createTopics, { topics: [{ name: 'payments', partitions: 1 }] });
    const changed = await call(c, c.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: quiet.metadataVersion,
      knownViewDigest: quiet.viewDigest,
    });
    expect(changed).toMatchObject({ hasChanges: true, viewUnchanged: false });
    expect(changed.replicas).toHaveLength(3);
    expect(changed.viewDigest).not.toBe(quiet.viewDigest);
  });

  it('serves register, heartbeat with hosted replicas, describe, alter config and delete', async () => {
    const c = client!;
    const registered = await call(c, c.registerBroker, {
      brokerId: 1,
      host: '127.0.0.1',
      port: 7401,
      kafkaHost: '127.0.0.1',
      kafkaPort: 9092,
      incarnationId: 'a',
    });
    expect(registered).toMatchObject({ errorCode: 0, heartbeatIntervalMs: 2000, sessionTimeoutMs: 10000 });
    expect(registered.clusterId).toMatch(/^[0-9a-f-]{36}$/);

    const first = await call(c, c.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: -1,
    });
    expect(first).toMatchObject({ errorCode: 0, hasChanges: true, replicas: [] });
    const quiet = await call(c, c.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: first.metadataVersion,
    });
    expect(quiet.hasChanges).toBe(false);

    const created = await call(c, c.createTopics, {
      topics: [{ name: 'orders', partitions: 2, configs: { 'retention.ms': '60000' } }],
    });
    expect(created.topics[0]).toMatchObject({ name: 'orders', errorCode: 0 });
    const topicId = created.topics[0]!.topicId;

    const beat = await call(c, c.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: first.metadataVersion,
    });
    expect(beat.hasChanges).toBe(true);
    expect(BigInt(beat.metadataVersion)).toBeGreaterThan(BigInt(first.metadataVersion));
    expect(beat.replicas.map((r) => [r.topic, r.topicId, r.partition, r.leader, r.isr])).toEqual([
      ['orders', topicId, 0, 1, [1]],
      ['orders', topicId, 1, 1, [1]],
    ]);
    expect(beat.replicas[0]!.configs).toMatchObject({ 'retention.ms': '60000', 'cleanup.policy': 'delete' });
    expect(beat.brokers).toEqual([
      {
        id: 1,
        host: '127.0.0.1',
        port: 7401,
        alive: true,
        kafkaHost: '127.0.0.1',
        kafkaPort: 9092,
        kafkaListeners: [],
      },
    ]);

    const described = await call(c, c.describeTopics, { topics: ['orders', 'missing', 'bad name'] });
    expect(described.topics.map((t) => t.errorCode)).toEqual([
      0,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
    ]);
    expect(described.topics[0]).toMatchObject({ name: 'orders', topicId });
    expect(described.topics[0]!.configs).toMatchObject({
      'retention.ms': '60000',
      'max.message.bytes': '1048576',
    });

    const badAlter = await call(c, c.alterTopicConfigs, {
      topics: [
        {
          topic: 'orders',
          changes: [
            { name: 'retention.bytes', value: '1000' },
            { name: 'retention.ms', value: 'forever' },
          ],
        },
      ],
    });
    expect(badAlter.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(badAlter.topics[0]!.errorMessage).toMatch(/retention\.ms/);
    const unchanged = await call(c, c.describeTopics, { topics: ['orders'] });
    expect(unchanged.topics[0]!.configs).toMatchObject({ 'retention.ms': '60000', 'retention.bytes': '-1' });

    const goodAlter = await call(c, c.alterTopicConfigs, {
      topics: [{ topic: 'orders', changes: [{ name: 'retention.ms', delete: true }] }],
    });
    expect(goodAlter.topics[0]!.errorCode).toBe(0);
    const reset = await call(c, c.describeTopics, { topics: ['orders'] });
    expect(reset.topics[0]!.configs['retention.ms']).toBe('604800000');

    const listed = await call(c, c.listTopics, {});
    expect(listed.topics).toEqual([{ name: 'orders', topicId, partitions: 2 }]);

    const metadata = await call(c, c.getMetadata, { topics: [] });
    expect(metadata.clusterId).toBe(registered.clusterId);
    expect(metadata.topics.map((t) => t.name)).toEqual(['orders']);
    expect(metadata.brokers).toEqual([
      {
        id: 1,
        host: '127.0.0.1',
        port: 7401,
        alive: true,
        kafkaHost: '127.0.0.1',
        kafkaPort: 9092,
        kafkaListeners: [],
      },
    ]);

    const cluster = await call(c, c.describeCluster, {});
    expect(cluster.coordinator).toBe(`coord.test:${coordinator!.port}`);
    expect(cluster.clusterId).toBe(registered.clusterId);

    const deleted = await call(c, c.deleteTopics, { topics: ['orders', 'orders-not-there'] });
    expect(deleted.topics.map((t) => t.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const afterDelete = await call(c, c.brokerHeartbeat, {
      brokerId: 1,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: beat.metadataVersion,
    });
    expect(afterDelete).toMatchObject({ hasChanges: true, replicas: [] });
    expect((await call(c, c.listTopics, {})).topics).toEqual([]);
  });

  it('answers heartbeats of unknown brokers and stale epochs with their error codes', async () => {
    const c = client!;
    const unknown = await call(c, c.brokerHeartbeat, {
      brokerId: 7,
      brokerEpoch: 1,
      knownMetadataVersion: -1,
    });
    expect(unknown.errorCode).toBe(ErrorCode.BROKER_ID_NOT_REGISTERED);
    const registered = await call(c, c.registerBroker, {
      brokerId: 7,
      host: 'h',
      port: 1,
      incarnationId: 'x',
    });
    const again = await call(c, c.registerBroker, { brokerId: 7, host: 'h', port: 1, incarnationId: 'x' });
    const stale = await call(c, c.brokerHeartbeat, {
      brokerId: 7,
      brokerEpoch: registered.brokerEpoch,
      knownMetadataVersion: -1,
    });
    expect(stale.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    const duplicate = await call(c, c.registerBroker, {
      brokerId: 7,
      host: 'h',
      port: 1,
      incarnationId: 'y',
    });
    expect(duplicate.errorCode).toBe(ErrorCode.DUPLICATE_BROKER_REGISTRATION);
    expect(BigInt(again.brokerEpoch)).toBeGreaterThan(BigInt(registered.brokerEpoch));
  });

  it('a coordinator whose port is taken fails to start and releases the store it opened', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'fjord-coordinator-second-'));
    const second = (port: number) =>
      COORDINATOR_CONFIG_SCHEMA.parse({ port: String(port), metricsPort: '0', dataDir: otherDir });
    try {
      await expect(startCoordinator({ config: second(coordinator!.port), logger })).rejects.toThrow();
      // LevelDB locks its directory: this start fails if the failed one left the store open.
      const started = await startCoordinator({ config: second(0), logger });
      await started.stop();
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('stop() closes the metrics server too, once however often it is called', async () => {
    const healthz = `http://127.0.0.1:${coordinator!.metricsPort}/healthz`;
    expect((await fetch(healthz)).status).toBe(200);
    await Promise.all([coordinator!.stop(), coordinator!.stop()]);
    await expect(fetch(healthz)).rejects.toThrow();
  });
});
