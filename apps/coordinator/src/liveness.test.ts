import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@fjord/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COORDINATOR_CONFIG_SCHEMA } from './config/config-schema.js';
import { type RunningCoordinator, startCoordinator } from './coordinator.js';
import { BrokerSessions } from './liveness/broker-sessions.js';
import { ManualClock } from './liveness/clock.js';
import { LivenessMonitor } from './liveness/liveness-monitor.js';
import type { MetadataStore } from './metadata/metadata-store.js';
import { metadataRecord } from './metadata/records.js';
import { topicByName } from './metadata/state.js';
import { openMetadataStore } from './quorum/open-metadata-store.js';
import { systemRandom } from './random-source.js';
import { CoordinatorSecurityState } from './security/coordinator-security-state.js';
import { brokerHeartbeat } from './server/broker-heartbeat.js';
import type { CoordinatorContext } from './server/coordinator-context.js';
import { createTopics } from './server/create-topics.js';
import { NO_AUTHORIZER } from './server/handler-context.fixture.js';
import { registerBroker } from './server/register-broker.js';

const logger = pino({ level: 'silent' });
const SESSION_TIMEOUT_MS = 10_000;

describe('broker liveness (fake clock)', () => {
  let dataDir: string;
  let store: MetadataStore | undefined;
  let coordinator: RunningCoordinator | undefined;
  let clock: ManualClock;
  let ctx: CoordinatorContext;
  let monitor: LivenessMonitor;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fjord-coordinator-liveness-'));
    clock = new ManualClock(1_000);
  });

  afterEach(async () => {
    await store?.close();
    await coordinator?.stop();
    store = undefined;
    coordinator = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function setUp(): Promise<void> {
    const opened = await openMetadataStore({ dataDir, snapshotEveryRecords: 1000, logger });
    store = opened.store;
    await store.propose((p) => p.append(metadataRecord({ type: 'InitCluster', clusterId: 'c' })));
    const sessions = new BrokerSessions(clock, SESSION_TIMEOUT_MS);
    ctx = {
      store,
      sessions,
      random: systemRandom,
      logger,
      heartbeatIntervalMs: 2_000,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      coordinatorAddress: () => '127.0.0.1:7400',
      quorum: {
        replica: opened.replica,
        voters: () => [{ id: 1, address: '127.0.0.1:7400' }],
        voterAddress: (id) => (id === 1 ? '127.0.0.1:7400' : undefined),
      },
      security: new CoordinatorSecurityState(store, NO_AUTHORIZER),
    };
    monitor = new LivenessMonitor({ store, sessions, logger, checkIntervalMs: 1_000 });
  }

  const register = (brokerId: number, incarnationId = `inc-${brokerId}`) =>
    registerBroker(ctx, {
      brokerId,
      host: '127.0.0.1',
      port: 7401,
      incarnationId,
      previousShutdownClean: true,
      kafkaHost: '',
      kafkaPort: 0,
      listeners: [],
      kafkaListeners: [],
    });

  it('fences a broker whose session expired, taking leadership away', async () => {
    await setUp();
    const registered = await register(1);
    expect(registered.errorCode).toBe(ErrorCode.NONE);
    await createTopics(ctx, {
      topics: [{ name: 'orders', partitions: 2, replicationFactor: 1, configs: {} }],
      validateOnly: false,
    });

    clock.advance(SESSION_TIMEOUT_MS - 1);
    expect(await monitor.runNow()).toEqual([]);
    clock.advance(1);
    expect(await monitor.runNow()).toEqual([1]);
    expect(ctx.store.state.brokers['1']!.fenced).toBe(true);
    const p0 = topicByName(ctx.store.state, 'orders')!.partitions[0]!;
    expect(p0).toMatchObject({ leader: -1, isr: [1], leaderEpoch: 1 });
    // Already fenced: nothing more to do.
    clock.advance(SESSION_TIMEOUT_MS);
    expect(await monitor.runNow()).toEqual([]);
  });

  it('a heartbeat with the right epoch unfences the broker and re-elects it', async () => {
    await setUp();
    const { brokerEpoch } = await register(1);
    await createTopics(ctx, {
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 1, configs: {} }],
      validateOnly: false,
    });
    clock.advance(SESSION_TIMEOUT_MS);
    await monitor.runNow();

    const beat = await brokerHeartbeat(ctx, {
      brokerId: 1,
      brokerEpoch: String(brokerEpoch),
      knownMetadataVersion: '-1',
      knownViewDigest: '',
      listenerName: '',
      acceptsReplicaDeltas: false,
    });
    expect(beat.errorCode).toBe(ErrorCode.NONE);
    expect(ctx.store.state.brokers['1']!.fenced).toBe(false);
    expect(beat.hasChanges).toBe(true);
    expect(beat.replicas).toMatchObject([{ topic: 'orders', partition: 0, leader: 1, leaderEpoch: 2 }]);
    expect(beat.brokers).toEqual([
      { id: 1, host: '127.0.0.1', port: 7401, alive: true, kafkaHost: '', kafkaPort: 0, kafkaListeners: [] },
    ]);
  });

  it('heartbeats keep the session alive', async () => {
    await setUp();
    const { brokerEpoch } = await register(1);
    for (let i = 0; i < 5; i++) {
      clock.advance(SESSION_TIMEOUT_MS / 2);
      await brokerHeartbeat(ctx, {
        brokerId: 1,
        brokerEpoch: String(brokerEpoch),
        knownMetadataVersion: '-1',
        knownViewDigest: '',
        listenerName: '',
        acceptsReplicaDeltas: false,
      });
      expect(await monitor.runNow()).toEqual([]);
    }
  });

  it('a monitor that itself stalled past the session timeout fences nobody at once: every session gets one timeout of grace', async () => {
    await setUp();
    const epochs = new Map<number, string>();
    for (const id of [1, 2]) epochs.set(id, String((await register(id)).brokerEpoch));
    const heartbeat = (brokerId: number) =>
      brokerHeartbeat(ctx, {
        brokerId,
        brokerEpoch: epochs.get(brokerId)!,
        knownMetadataVersion: '-1',
        knownViewDigest: '',
        listenerName: '',
        acceptsReplicaDeltas: false,
      });
    // Passes every check interval (1 s) while both brokers heartbeat.
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000);
      for (const id of [1, 2]) await heartbeat(id);
      expect(await monitor.runNow()).toEqual([]);
    }

    // The coordinator stands still (SIGSTOP) for longer than the session timeout: no pass
    // runs and no heartbeat is read. Its first pass afterwards sees every session expired.
    clock.advance(SESSION_TIMEOUT_MS + 5_000);
    expect(await monitor.runNow()).toEqual([]);
    expect(ctx.store.state.brokers['1']!.fenced).toBe(false);
    expect(ctx.store.state.brokers['2']!.fenced).toBe(false);

    // Broker 1 heartbeats again; broker 2 died meanwhile and stays silent: it is fenced once
    // the grace (one session timeout from the late pass) has run out, and not before.
    for (let elapsed = 1_000; elapsed < SESSION_TIMEOUT_MS; elapsed += 1_000) {
      clock.advance(1_000);
      await heartbeat(1);
      expect(await monitor.runNow()).toEqual([]);
    }
    clock.advance(1_000);
    await heartbeat(1);
    expect(await monitor.runNow()).toEqual([2]);
    expect(ctx.store.state.brokers['1']!.fenced).toBe(false);
  });

  it('a monitor stalled after it started, before its first pass (a restart, a new leader), fences nobody at once', async () => {
    await setUp();
    await register(1);
    monitor.start();
    try {
      clock.advance(SESSION_TIMEOUT_MS + 5_000);
      expect(await monitor.runNow()).toEqual([]);
      expect(ctx.store.state.brokers['1']!.fenced).toBe(false);
      // Still silent one session timeout after the grace began (passes on time meanwhile): fenced.
      for (let elapsed = 1_000; elapsed < SESSION_TIMEOUT_MS; elapsed += 1_000) {
        clock.advance(1_000);
        expect(await monitor.runNow()).toEqual([]);
      }
      clock.advance(1_000);
      expect(await monitor.runNow()).toEqual([1]);
    } finally {
      await monitor.stop();
    }
  });

  it('a pass late by less than half a session timeout is no stall: expired sessions are fenced', async () => {
    await setUp();
    await register(1);
    expect(await monitor.runNow()).toEqual([]);
    // 1 s interval + 4.9 s late: under the stall threshold (interval + half the timeout).
    clock.advance(5_900);
    expect(await monitor.runNow()).toEqual([]);
    clock.advance(SESSION_TIMEOUT_MS - 5_900);
    expect(await monitor.runNow()).toEqual([1]);
  });

  it('refuses heartbeats from unknown brokers and stale epochs', async () => {
    await setUp();
    const { brokerEpoch } = await register(1);
    const unknown = await brokerHeartbeat(ctx, {
      brokerId: 9,
      brokerEpoch: '1',
      knownMetadataVersion: '-1',
      knownViewDigest: '',
      listenerName: '',
      acceptsReplicaDeltas: false,
    });
    expect(unknown.errorCode).toBe(ErrorCode.BROKER_ID_NOT_REGISTERED);
    const stale = await brokerHeartbeat(ctx, {
      brokerId: 1,
      brokerEpoch: String(BigInt(String(brokerEpoch)) - 1n),
      knownMetadataVersion: '-1',
      knownViewDigest: '',
      listenerName: '',
      acceptsReplicaDeltas: false,
    });
    expect(stale.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
  });

  it('refuses a second incarnation while the first one has a live session', async () => {
    await setUp();
    const first = await register(1, 'first');
    const duplicate = await register(1, 'second');
    expect(duplicate.errorCode).toBe(ErrorCode.DUPLICATE_BROKER_REGISTRATION);
    // The same incarnation may register again (e.g. after STALE_BROKER_EPOCH).
    expect((await register(1, 'first')).errorCode).toBe(ErrorCode.NONE);

    clock.advance(SESSION_TIMEOUT_MS);
    const second = await register(1, 'second');
    expect(second.errorCode).toBe(ErrorCode.NONE);
    expect(BigInt(String(second.brokerEpoch))).toBeGreaterThan(BigInt(String(first.brokerEpoch)));
  });

  it('rejects registrations with a bad id, host or port', async () => {
    await setUp();
    for (const bad of [
      { brokerId: -1, host: 'h', port: 1 },
      { brokerId: 1, host: ' ', port: 1 },
      { brokerId: 1, host: 'h', port: 0 },
      { brokerId: 1, host: 'h', port: 70_000 },
    ]) {
      const response = await registerBroker(ctx, {
        ...bad,
        incarnationId: 'x',
        previousShutdownClean: true,
        kafkaHost: '',
        kafkaPort: 0,
        listeners: [],
        kafkaListeners: [],
      });
      expect(response.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    }
    expect(ctx.store.state.brokers).toEqual({});
  });

  it('after a restart, live brokers get one session timeout of grace', async () => {
    const config = COORDINATOR_CONFIG_SCHEMA.parse({
      port: '0',
      metricsPort: '0',
      dataDir,
      sessionTimeoutMs: String(SESSION_TIMEOUT_MS),
    });
    coordinator = await startCoordinator({ config, logger, clock });
    const port = coordinator.port;
    expect(port).toBeGreaterThan(0);
    await coordinator.store.propose((p) =>
      p.append(
        metadataRecord({
          type: 'RegisterBroker',
          brokerId: 4,
          host: 'h',
          port: 1,
          incarnationId: 'i',
          brokerEpoch: '1',
        }),
      ),
    );
    await coordinator.stop();
    coordinator = undefined;

    const later = new ManualClock(1_000_000);
    coordinator = await startCoordinator({ config, logger, clock: later });
    expect(coordinator.store.state.brokers['4']!.fenced).toBe(false);
    // The checks run every quarter of the session timeout (no later than that: a later pass
    // would take itself for a stalled process and extend the grace).
    for (let elapsed = 0; elapsed < SESSION_TIMEOUT_MS - 1; elapsed += 2_000) {
      later.advance(Math.min(2_000, SESSION_TIMEOUT_MS - 1 - elapsed));
      expect(await coordinator.liveness.runNow()).toEqual([]);
    }
    later.advance(1);
    expect(await coordinator.liveness.runNow()).toEqual([4]);
  });

  it('after a restart, a restored session does not block a new incarnation, a heard-from one does', () => {
    const sessions = new BrokerSessions(clock, SESSION_TIMEOUT_MS);
    sessions.restore(4, 'old');
    expect(sessions.isLive(4)).toBe(true);
    expect(sessions.isLiveAndHeardFrom(4)).toBe(false);
    sessions.touch(4, 'old');
    expect(sessions.isLiveAndHeardFrom(4)).toBe(true);
    clock.advance(SESSION_TIMEOUT_MS);
    expect(sessions.isLiveAndHeardFrom(4)).toBe(false);
  });
});
