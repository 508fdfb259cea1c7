import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';
import { waitFor } from './wait-for.js';

// These tests start the real apps (apps/*/dist/main.js): build them first.
const SESSION_TIMEOUT_MS = 2_000;

describe('startCluster with one broker', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 1,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 250,
    });
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('binds ephemeral ports on 127.0.0.1 and has the broker alive', async () => {
    expect(cluster.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(cluster.coordinator.port).toBeGreaterThan(0);
    const broker = cluster.broker(1);
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.port).not.toBe(cluster.coordinator.port);
    expect(cluster.brokers).toEqual([broker]);
    const description = await cluster.describeCluster();
    expect(description.brokers).toEqual([
      {
        id: 1,
        host: '127.0.0.1',
        port: broker.port,
        alive: true,
        kafkaHost: '',
        kafkaPort: 0,
        kafkaListeners: [],
      },
    ]);
    expect(existsSync(broker.logFile!)).toBe(true);
  });

  it('sees a broker killed with SIGKILL fenced, and alive on the same port after a restart', async () => {
    const broker = cluster.broker(1);
    const { port, pid } = broker;
    await broker.kill();
    expect(broker.running).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    await cluster.waitForBrokers({ fenced: [1], timeoutMs: SESSION_TIMEOUT_MS + 5_000 });

    await broker.restart();
    expect(broker.pid).not.toBe(pid);
    expect(broker.port).toBe(port);
    const description = await cluster.waitForBrokers({ alive: [1] });
    expect(description.brokers.find((b) => b.id === 1)?.port).toBe(port);
  }, 40_000);

  it('fences a paused broker and unfences it after resume', async () => {
    const broker = cluster.broker(1);
    broker.pause();
    expect(broker.paused).toBe(true);
    await cluster.waitForBrokers({ fenced: [1], timeoutMs: SESSION_TIMEOUT_MS + 5_000 });
    broker.resume();
    await cluster.waitForBrokers({ alive: [1], timeoutMs: SESSION_TIMEOUT_MS + 10_000 });
  }, 40_000);

  it('restarts the coordinator on the same port and the broker registers again', async () => {
    const { port } = cluster.coordinator;
    await cluster.coordinator.restart();
    expect(cluster.coordinator.port).toBe(port);
    await cluster.waitForBrokers({ alive: [1], timeoutMs: SESSION_TIMEOUT_MS + 10_000 });
  }, 40_000);
});

describe('Cluster.stop', () => {
  it('stops every process and removes the temp dir, and can be called twice', async () => {
    const cluster = await startCluster({ brokers: 1 });
    const pids = [cluster.coordinator.pid, cluster.broker(1).pid];
    expect(existsSync(cluster.dataDir)).toBe(true);
    await Promise.all([cluster.stop(), cluster.stop()]);
    await cluster.stop();
    expect(existsSync(cluster.dataDir)).toBe(false);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(cluster.coordinator.exitInfo).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('fails with the exit code and log lines when a node cannot start', async () => {
    // Flags given later win, so this overrides the testkit's valid --log-level.
    await expect(startCluster({ brokers: 1, coordinatorArgs: ['--log-level', 'loud'] })).rejects.toThrow(
      /coordinator exited \(exit code 2\) before it logged listening[\s\S]*log/,
    );
  }, 30_000);
});

describe('startCluster with networkFaults', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 2,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 250,
      networkFaults: true,
    });
  }, 60_000);
  afterAll(() => cluster?.stop());

  it('advertises each broker behind its proxy and names the callers of each proxy', async () => {
    const links = cluster.links!;
    const description = await cluster.describeCluster();
    for (const id of [1, 2]) {
      expect(description.brokers.find((b) => b.id === id)?.port).toBe(links.toBroker(id).port);
      expect(links.toCoordinator(id).peers).toContain(`broker-${id}`);
    }
  });

  it('fences a broker cut from the coordinator, and unfences it when the link heals', async () => {
    cluster.links!.cut(1, 'coordinator');
    // Broker 2's link is untouched: it stays alive the whole time.
    await cluster.waitForBrokers({ alive: [2], fenced: [1], timeoutMs: SESSION_TIMEOUT_MS + 10_000 });
    cluster.links!.heal();
    await cluster.waitForBrokers({ alive: [1, 2], timeoutMs: SESSION_TIMEOUT_MS + 20_000 });
  }, 60_000);
});

describe('startCluster with a coordinator quorum', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({
      coordinators: 3,
      brokers: 1,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 250,
    });
  }, 90_000);
  afterAll(() => cluster?.stop());

  it('starts three voters on distinct ports that agree on one leader', async () => {
    expect(cluster.coordinators.map((node) => node.name)).toEqual([
      'coordinator-1',
      'coordinator-2',
      'coordinator-3',
    ]);
    expect(new Set(cluster.bootstrapAddresses).size).toBe(3);
    const leader = await cluster.leader();
    const answers = await Promise.all(cluster.coordinators.map((node) => cluster.describeQuorum(node)));
    const leaderId = cluster.coordinatorId(leader);
    await waitFor(
      async () => {
        const now = await Promise.all(cluster.coordinators.map((node) => cluster.describeQuorum(node)));
        return now.every((a) => a.leaderId === leaderId);
      },
      { timeoutMs: 10_000, message: `every voter naming ${leaderId} (${JSON.stringify(answers)})` },
    );
    expect(answers[0]!.voters.map((v) => v.address)).toEqual(cluster.bootstrapAddresses);
  });

  it('elects a new leader after the leader is SIGKILLed; the broker stays alive; the old one rejoins', async () => {
    const old = await cluster.leader();
    await old.kill();
    const next = await cluster.leader({ except: old, timeoutMs: 20_000 });
    expect(next).not.toBe(old);
    await cluster.waitForBrokers({ alive: [1], timeoutMs: SESSION_TIMEOUT_MS + 10_000 });
    await old.restart();
    await waitFor(async () => (await cluster.describeQuorum(old)).leaderId === cluster.coordinatorId(next), {
      timeoutMs: 20_000,
      message: 'the restarted voter following the new leader',
    });
  }, 60_000);
});

describe('startCluster with a coordinator quorum and networkFaults', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({
      coordinators: 3,
      brokers: 1,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 250,
      networkFaults: true,
    });
  }, 90_000);
  afterAll(() => cluster?.stop());

  it('puts a proxy in front of every voter: the voter list, the broker and the other voters go through it', async () => {
    const links = cluster.quorumLinks!;
    expect(cluster.links).toBeUndefined();
    expect(cluster.bootstrapAddresses).toEqual(links.addresses);
    const leader = await cluster.leader();
    const answer = await cluster.describeQuorum(leader);
    expect(answer.voters.map((v) => v.address)).toEqual(links.addresses);
    // The leader's proxy carries the broker's heartbeats and the followers' Raft answers come
    // back through it; each follower's proxy carries the leader's appends.
    const leaderId = cluster.coordinatorId(leader);
    await waitFor(() => links.toCoordinator(leaderId).peers.includes('broker-1'), {
      timeoutMs: 10_000,
      message: 'broker-1 calling the leader through its proxy',
    });
    for (const node of cluster.coordinators.filter((n) => n !== leader)) {
      expect(links.toCoordinator(cluster.coordinatorId(node)).peers).toContain(leader.name);
    }
  });

  it('a leader cut off through its proxy is replaced; healed, it follows the new leader; the broker stays alive', async () => {
    const old = await cluster.leader();
    const oldId = cluster.coordinatorId(old);
    cluster.quorumLinks!.isolate(oldId);
    try {
      const next = await cluster.leader({ except: old, timeoutMs: 20_000 });
      expect(next).not.toBe(old);
      await cluster.waitForBrokers({ alive: [1], timeoutMs: SESSION_TIMEOUT_MS + 10_000 });
    } finally {
      cluster.quorumLinks!.heal();
    }
    await waitFor(
      async () => {
        const answer = await cluster.describeQuorum(old);
        return answer.leaderId !== oldId && answer.leaderId > 0;
      },
      { timeoutMs: 20_000, message: 'the healed voter following the new leader' },
    );
  }, 60_000);
});
