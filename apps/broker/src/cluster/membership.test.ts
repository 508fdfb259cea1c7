import { ErrorCode, GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../log/temp-store.fixture.js';
import { ClusterIdentity } from './cluster-identity.js';
import { GrpcCoordinatorClient } from './coordinator-client.js';
import { CoordinatorLink } from './coordinator-link.js';
import { HostedReplicas } from './hosted-replicas.js';
import { ClusterMembership } from './membership.js';
import { replica } from './replica.fixture.js';

const TOPIC_ID = 'dddddddd-0000-4000-8000-000000000004';

/** An inter-broker listener first, then one for clients on the host; and a Kafka listener. */
const LISTENERS = {
  grpc: [
    { name: 'INTERNAL', host: '127.0.0.1', port: 7401, securityProtocol: 'PLAINTEXT' },
    { name: 'EXTERNAL', host: 'localhost', port: 17401, securityProtocol: 'PLAINTEXT' },
  ],
  kafka: [{ name: 'INTERNAL', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }],
};

/** A scripted stand-in for the coordinator's two broker-facing calls, over real gRPC. */
class FakeCoordinator {
  registrations: v1.RegisterBrokerRequest__Output[] = [];
  heartbeats: v1.BrokerHeartbeatRequest__Output[] = [];
  refuseRegistrations = 0;
  staleOnce = false;
  version = 1;
  securityVersion = 0;
  hosted: v1.HostedReplica[] = [replica('orders', TOPIC_ID, 0)];
  /** Stands for the digest of `hosted`; a heartbeat that knows it gets no list (view_unchanged). */
  viewDigest(): string {
    return JSON.stringify(this.hosted);
  }
  /** When set, the next answer with a changed view carries this delta instead of `hosted`. */
  delta: { changed: v1.HostedReplica[]; removed: v1.RemovedReplica[] } | undefined;
  server = new grpc.Server(GRPC_CHANNEL_OPTIONS);
  clusterId = 'cluster-a';

  async start(): Promise<number> {
    const handlers: Partial<v1.CoordinatorServiceHandlers> = {
      RegisterBroker: (call, callback) => {
        this.registrations.push(call.request);
        if (this.refuseRegistrations > 0) {
          this.refuseRegistrations--;
          callback(null, { errorCode: ErrorCode.DUPLICATE_BROKER_REGISTRATION, errorMessage: 'still alive' });
          return;
        }
        callback(null, {
          brokerEpoch: String(this.registrations.length),
          heartbeatIntervalMs: 50,
          clusterId: this.clusterId,
        });
      },
      BrokerHeartbeat: (call, callback) => {
        this.heartbeats.push(call.request);
        if (this.staleOnce) {
          this.staleOnce = false;
          callback(null, { errorCode: ErrorCode.STALE_BROKER_EPOCH });
          return;
        }
        const changed = call.request.knownMetadataVersion !== String(this.version);
        const unchanged = changed && call.request.knownViewDigest === this.viewDigest();
        if (changed && !unchanged && this.delta && call.request.acceptsReplicaDeltas) {
          const { changed: replicas, removed } = this.delta;
          this.delta = undefined;
          callback(null, {
            metadataVersion: String(this.version),
            hasChanges: true,
            replicas,
            removedReplicas: removed,
            replicasAreDelta: true,
            viewDigest: this.viewDigest(),
            securityVersion: String(this.securityVersion),
          });
          return;
        }
        callback(null, {
          metadataVersion: String(this.version),
          hasChanges: changed,
          replicas: changed && !unchanged ? this.hosted : [],
          viewDigest: this.viewDigest(),
          viewUnchanged: unchanged,
          securityVersion: String(this.securityVersion),
        });
      },
    };
    const service = loadFjordProto().fjord.v1.CoordinatorService.service;
    this.server.addService(service, handlers as grpc.UntypedServiceImplementation);
    return new Promise((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) =>
        e ? reject(e) : resolve(port),
      ),
    );
  }
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ClusterMembership', () => {
  let temp: TempStore | undefined;
  let coordinator: FakeCoordinator | undefined;
  let membership: ClusterMembership | undefined;
  let client: GrpcCoordinatorClient | undefined;

  afterEach(async () => {
    membership?.stop();
    client?.close();
    coordinator?.server.forceShutdown();
    await temp?.cleanup();
  });

  async function setUp(onSecurityVersion?: (version: bigint) => void) {
    temp = await openTempStore();
    coordinator = new FakeCoordinator();
    const port = await coordinator.start();
    client = new GrpcCoordinatorClient(new CoordinatorLink([`127.0.0.1:${port}`]));
    const replicas = new HostedReplicas(temp.store, pino({ level: 'silent' }));
    membership = new ClusterMembership({
      brokerId: 1,
      coordinator: client,
      replicas,
      identity: new ClusterIdentity(temp.store),
      logger: pino({ level: 'silent' }),
      initialHeartbeatIntervalMs: 50,
      ...(onSecurityVersion && { onSecurityVersion }),
    });
    return { coordinator, membership, replicas };
  }

  it('retries a refused registration, then applies the hosted replicas', async () => {
    const { coordinator, membership, replicas } = await setUp();
    coordinator.refuseRegistrations = 1;
    membership.start(LISTENERS);
    await eventually(() => replicas.get('orders', 0) !== undefined, 'hosted replicas');
    expect(coordinator.registrations).toHaveLength(2);
    expect(coordinator.registrations[0]).toMatchObject({
      brokerId: 1,
      host: '127.0.0.1',
      port: 7401,
      kafkaHost: '127.0.0.1',
      kafkaPort: 9092,
      listeners: LISTENERS.grpc,
      kafkaListeners: LISTENERS.kafka,
    });
    // The other brokers' addresses come on the inter-broker listener (the first gRPC one).
    expect(coordinator.heartbeats[0]!.listenerName).toBe('INTERNAL');
    expect(coordinator.registrations[1]!.incarnationId).toBe(membership.incarnationId);
    expect(coordinator.heartbeats[0]!.knownMetadataVersion).toBe('-1');
    expect(membership.epoch).toBe('2');
  });

  it("hands every heartbeat answer's security_version on, also when no metadata changed", async () => {
    const seen: bigint[] = [];
    const { coordinator, membership, replicas } = await setUp((version) => seen.push(version));
    coordinator.securityVersion = 3;
    membership.start(LISTENERS);
    await eventually(() => replicas.get('orders', 0) !== undefined, 'hosted replicas');
    const heartbeatsBefore = coordinator.heartbeats.length;
    coordinator.securityVersion = 8;
    await eventually(() => seen.includes(8n), 'security version 8');
    // The metadata did not move: only the security version did.
    expect(coordinator.version).toBe(1);
    expect(coordinator.heartbeats.length).toBeGreaterThan(heartbeatsBefore);
    expect(seen[0]).toBe(3n);
  });

  it('refuses to join a coordinator of another cluster, and keeps its data', async () => {
    const { coordinator, membership, replicas } = await setUp();
    await new ClusterIdentity(temp!.store).adopt('cluster-b');
    membership.start(LISTENERS);
    await eventually(() => coordinator.registrations.length >= 3, 'several registration attempts');
    expect(membership.epoch).toBeNull();
    expect(coordinator.heartbeats).toHaveLength(0);
    expect(replicas.all()).toHaveLength(0);
    expect(await new ClusterIdentity(temp!.store).adopt('cluster-a')).toBe('cluster-b');
  });

  it('registers again after STALE_BROKER_EPOCH and removes replicas no longer listed', async () => {
    const { coordinator, membership, replicas } = await setUp();
    membership.start(LISTENERS);
    await eventually(() => replicas.get('orders', 0) !== undefined, 'hosted replicas');
    coordinator.staleOnce = true;
    await eventually(() => coordinator.registrations.length === 2, 're-registration');
    coordinator.hosted = [];
    coordinator.version = 2;
    await eventually(() => replicas.get('orders', 0) === undefined, 'replica removal');
  });

  it('shares one heartbeat between concurrent refreshes', async () => {
    const { coordinator, membership } = await setUp();
    membership.start(LISTENERS);
    await eventually(() => membership.epoch !== null, 'registration');
    membership.stop();
    (membership as unknown as { stopped: boolean }).stopped = false; // refresh without the timer
    const before = coordinator.heartbeats.length;
    const results = await Promise.all(Array.from({ length: 10 }, () => membership.refresh()));
    expect(results.every(Boolean)).toBe(true);
    expect(coordinator.heartbeats.length - before).toBeLessThanOrEqual(2);
  });

  it('answers refresh with false while the coordinator is unreachable', async () => {
    const { coordinator, membership } = await setUp();
    coordinator.server.forceShutdown();
    membership.start(LISTENERS);
    expect(await membership.refresh()).toBe(false);
  });

  it('sends the digest of the view it applied; an unchanged view moves only its version', async () => {
    const { coordinator, membership, replicas } = await setUp();
    membership.start(LISTENERS);
    await eventually(() => replicas.get('orders', 0) !== undefined, 'hosted replicas');
    const hosted = replicas.get('orders', 0)!;
    // Metadata moves, this broker's view does not: no list comes, nothing is applied.
    coordinator.version = 2;
    await eventually(
      () => coordinator.heartbeats.some((h) => h.knownMetadataVersion === '2'),
      'version 2 known',
    );
    const firstView = coordinator.viewDigest();
    expect(coordinator.heartbeats.at(-1)!.knownViewDigest).toBe(firstView);
    expect(replicas.get('orders', 0)).toBe(hosted);
    // Its view changes: the full list comes and is applied.
    coordinator.hosted = [];
    coordinator.version = 3;
    await eventually(() => replicas.get('orders', 0) === undefined, 'replica removal');
    const secondView = coordinator.viewDigest();
    expect(secondView).not.toBe(firstView);
    await eventually(
      () => coordinator.heartbeats.some((h) => h.knownViewDigest === secondView),
      'new view known',
    );
  });

  it('ignores a heartbeat answer of an older metadata version than the one applied (a deposed leader)', async () => {
    const { coordinator, membership, replicas } = await setUp();
    coordinator.version = 5;
    membership.start(LISTENERS);
    await eventually(() => replicas.get('orders', 0) !== undefined, 'hosted replicas');
    // An older view without the replica: applying it would move the broker back in time.
    coordinator.hosted = [];
    coordinator.version = 4;
    const before = coordinator.heartbeats.length;
    await eventually(() => coordinator.heartbeats.length >= before + 3, 'a few heartbeats');
    expect(replicas.get('orders', 0)).toBeDefined();
    expect(coordinator.heartbeats.at(-1)!.knownMetadataVersion).toBe('5');
    // The leader moves on past it: applied again.
    coordinator.version = 6;
    await eventually(() => replicas.get('orders', 0) === undefined, 'replica removal');
  });

  it('applies a delta answer on top of the list it holds: changed replicas replaced, removed ones dropped', async () => {
    const { coordinator, membership, replicas } = await setUp();
    coordinator.hosted = [replica('orders', TOPIC_ID, 0), replica('orders', TOPIC_ID, 1)];
    membership.start(LISTENERS);
    await eventually(() => replicas.all().length === 2, 'both replicas');
    expect(coordinator.heartbeats.every((h) => h.acceptsReplicaDeltas)).toBe(true);
    const kept = replicas.get('orders', 1)!.log;

    const moved = replica('orders', TOPIC_ID, 1, {
      leader: 2,
      leaderEpoch: 1,
      replicas: [1, 2],
      isr: [1, 2],
    });
    coordinator.hosted = [moved];
    coordinator.delta = { changed: [moved], removed: [{ topicId: TOPIC_ID, partition: 0 }] };
    coordinator.version = 2;
    await eventually(() => replicas.get('orders', 0) === undefined, 'the removed replica dropped');
    expect(replicas.get('orders', 1)).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [1, 2] });
    expect(replicas.get('orders', 1)!.log).toBe(kept);
    await eventually(
      () => coordinator.heartbeats.some((h) => h.knownViewDigest === coordinator.viewDigest()),
      'the new view known',
    );
    // A later delta that adds a replica keeps the ones not mentioned.
    const added = replica('orders', TOPIC_ID, 2);
    coordinator.hosted = [moved, added];
    coordinator.delta = { changed: [added], removed: [] };
    coordinator.version = 3;
    await eventually(() => replicas.get('orders', 2) !== undefined, 'the added replica');
    expect(
      replicas
        .all()
        .map((p) => p.partition)
        .sort(),
    ).toEqual([1, 2]);
  });
});
