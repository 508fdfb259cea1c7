import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  LEADER_HINT_METADATA_KEY,
  loadFjordProto,
  type v1,
} from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { Level } from 'level';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COORDINATOR_CONFIG_SCHEMA } from './config/config-schema.js';
import { type RunningCoordinator, startCoordinator } from './coordinator.js';
import { apply } from './metadata/apply.js';
import { logKey, SNAPSHOT_KEY } from './metadata/log-keys.js';
import { metadataRecord } from './metadata/records.js';
import { emptyState } from './metadata/state.js';

const logger = pino({ level: 'silent' });

/** A port that was free a moment ago (the voters must know each other's before they start). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function unary<Req, Res>(
  client: grpc.Client,
  method: (req: Req, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, (error, response) => (error ? reject(error) : resolve(response!)));
  });
}

/**
 * {@link unary}, retried while the coordinator answers NOT_COORDINATOR (as clients do): a
 * leader on a loaded machine can miss its read lease for a moment.
 */
async function retried<Req, Res>(
  client: grpc.Client,
  method: (req: Req, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall,
  request: Req,
): Promise<Res> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await unary(client, method, request);
    } catch (error) {
      const code = (error as grpc.ServiceError).metadata?.get(ERROR_CODE_METADATA_KEY)[0];
      if (code !== String(ErrorCode.NOT_COORDINATOR) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Voter {
  id: number;
  port: number;
  dataDir: string;
  running: RunningCoordinator | undefined;
  coordinatorClient: v1.CoordinatorServiceClient;
  producerClient: v1.ProducerIdServiceClient;
}

describe('a three-voter coordinator quorum (in-process coordinators, real gRPC and LevelDB)', () => {
  let root: string;
  let voters: Voter[] = [];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fjord-quorum-'));
  });

  afterEach(async () => {
    for (const voter of voters) {
      voter.coordinatorClient.close();
      voter.producerClient.close();
    }
    await Promise.all(voters.map((v) => v.running?.stop()));
    voters = [];
    await rm(root, { recursive: true, force: true });
  });

  async function startQuorum(): Promise<void> {
    const ports = [await freePort(), await freePort(), await freePort()];
    const list = ports.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',');
    const { CoordinatorService, ProducerIdService } = loadFjordProto().fjord.v1;
    voters = ports.map((port, i) => ({
      id: i + 1,
      port,
      dataDir: join(root, `coordinator-${i + 1}`),
      running: undefined,
      coordinatorClient: new CoordinatorService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()),
      producerClient: new ProducerIdService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()),
    }));
    await Promise.all(voters.map((voter) => start(voter, list)));
  }

  async function start(voter: Voter, list: string): Promise<void> {
    const config = COORDINATOR_CONFIG_SCHEMA.parse({
      host: '127.0.0.1',
      port: String(voter.port),
      metricsPort: '0',
      dataDir: voter.dataDir,
      nodeId: String(voter.id),
      voters: list,
      // Snapshots happen within the test, so a restarted voter also catches up from one.
      snapshotEveryRecords: '5',
    });
    voter.running = await startCoordinator({ config, logger });
  }

  const live = () => voters.filter((v) => v.running !== undefined);
  const describeQuorum = (voter: Voter) =>
    unary(voter.coordinatorClient, voter.coordinatorClient.describeQuorum, {});

  /** The one voter every live voter names as leader, once they agree on it and it serves. */
  async function agreedLeader(): Promise<Voter> {
    return waitFor('one leader that every live voter agrees on', async () => {
      const answers = await Promise.all(live().map((v) => describeQuorum(v).catch(() => undefined)));
      const leaders = new Set(answers.map((a) => a?.leaderId));
      const [leaderId] = [...leaders];
      if (leaders.size !== 1 || leaderId === undefined || leaderId < 0) return undefined;
      const leader = live().find((v) => v.id === leaderId);
      return leader?.running?.store.leading ? leader : undefined;
    });
  }

  it('elects one leader; followers refuse with NOT_COORDINATOR naming it; DescribeQuorum agrees on every voter', async () => {
    await startQuorum();
    const leader = await agreedLeader();
    const roles = voters.map((v) => v.running!.replica.node.role);
    expect(roles.filter((r) => r === 'leader')).toHaveLength(1);

    const answers = await Promise.all(voters.map(describeQuorum));
    for (const [i, answer] of answers.entries()) {
      expect(answer.nodeId).toBe(voters[i]!.id);
      expect(answer.leaderId).toBe(leader.id);
      expect(answer.voters.map((v) => [v.id, v.address, v.leader])).toEqual(
        voters.map((v) => [v.id, `127.0.0.1:${v.port}`, v.id === leader.id]),
      );
    }
    expect(new Set(answers.map((a) => a.term)).size).toBe(1);
    // Only the leader knows the followers' log ends (once each answered it); every voter knows its own.
    const fromLeader = await waitFor('the leader to know every log end', async () => {
      const answer = await describeQuorum(leader);
      return answer.voters.every((v) => Number(v.logEnd) >= 1 && Number(v.lag) >= 0) ? answer : undefined;
    });
    expect(fromLeader.leaderId).toBe(leader.id);
    const follower = voters.find((v) => v.id !== leader.id)!;
    const fromFollower = answers[follower.id - 1]!;
    expect(fromFollower.voters.find((v) => v.id === follower.id)!.logEnd).not.toBe('-1');
    expect(fromFollower.voters.find((v) => v.id === leader.id)!.lag).toBe('-1');

    const refused = await unary(follower.coordinatorClient, follower.coordinatorClient.listTopics, {}).then(
      () => undefined,
      (error: grpc.ServiceError) => error,
    );
    expect(refused?.code).toBe(grpc.status.UNAVAILABLE);
    expect(refused?.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.NOT_COORDINATOR)]);
    expect(refused?.metadata.get(LEADER_HINT_METADATA_KEY)).toEqual([`127.0.0.1:${leader.port}`]);
    await expect(
      retried(leader.coordinatorClient, leader.coordinatorClient.listTopics, {}),
    ).resolves.toBeDefined();
  }, 60_000);

  it('reports the quorum in /metrics, and in /healthz a voter that cannot reach a quorum', async () => {
    await startQuorum();
    const leader = await agreedLeader();
    const http = (voter: Voter, path: string) =>
      fetch(`http://127.0.0.1:${voter.running!.metricsPort}${path}`);
    await retried(leader.producerClient, leader.producerClient.initProducerId, {});
    const metrics = await (await http(leader, '/metrics')).text();
    expect(metrics).toMatch(/^fjord_coordinator_quorum_leader 1$/m);
    expect(metrics).toMatch(/^fjord_coordinator_quorum_term [1-9]\d*$/m);
    expect(metrics).toMatch(/^fjord_coordinator_quorum_leader_changes_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^fjord_coordinator_quorum_commit_latency_seconds_count [1-9]\d*$/m);
    const lags = [
      ...metrics.matchAll(/^fjord_coordinator_quorum_follower_lag_entries\{voter="(\d)"\} \d+$/gm),
    ];
    expect(lags.map((m) => Number(m[1])).sort()).toEqual(voters.filter((v) => v !== leader).map((v) => v.id));
    // Every voter in touch with the leader (health is re-checked every 200 ms).
    await waitFor('every voter SERVING', async () => {
      const statuses = await Promise.all(voters.map(async (v) => (await http(v, '/healthz')).status));
      return statuses.every((status) => status === 200) ? true : undefined;
    });

    // Two of three gone: the survivor is cut off from any majority and says so.
    const survivor = voters.find((v) => v !== leader)!;
    await Promise.all(
      voters
        .filter((v) => v !== survivor)
        .map(async (v) => {
          await v.running!.stop();
          v.running = undefined;
        }),
    );
    await waitFor('the survivor to report NOT_SERVING', async () =>
      (await http(survivor, '/healthz')).status === 503 ? true : undefined,
    );
    const alone = await (await http(survivor, '/metrics')).text();
    expect(alone).toMatch(/^fjord_coordinator_quorum_in_contact 0$/m);
    expect(alone).toMatch(/^fjord_coordinator_quorum_leader 0$/m);
  }, 60_000);

  it('replicates a topic to every voter; a new leader after the old one stops has it and takes a new producer-id block', async () => {
    await startQuorum();
    const first = await agreedLeader();
    await retried(first.coordinatorClient, first.coordinatorClient.registerBroker, {
      brokerId: 1,
      host: '127.0.0.1',
      port: 7401,
      incarnationId: 'broker-1',
    });
    const created = await retried(first.coordinatorClient, first.coordinatorClient.createTopics, {
      topics: [{ name: 'orders', partitions: 3, replicationFactor: 1, configs: {} }],
    });
    expect(created.topics[0]?.errorCode).toBe(ErrorCode.NONE);
    // Committed means a majority has it; the third voter learns the commit index with the next round.
    await waitFor('the topic on every voter', () =>
      voters.every((v) => v.running!.store.state.topicIdsByName.orders !== undefined) ? true : undefined,
    );
    const versions = voters.map((v) => v.running!.store.metadataVersion);
    expect(new Set(versions).size).toBe(1);

    const idsBefore: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await retried(first.producerClient, first.producerClient.initProducerId, {});
      idsBefore.push(BigInt(answer.producerId));
    }
    await first.running!.stop();
    first.running = undefined;

    const second = await agreedLeader();
    expect(second.id).not.toBe(first.id);
    expect(second.running!.store.state.topicIdsByName.orders).toBeDefined();
    const listed = await retried(second.coordinatorClient, second.coordinatorClient.listTopics, {});
    expect(listed.topics.map((t) => t.name)).toContain('orders');
    const after = BigInt(
      (await retried(second.producerClient, second.producerClient.initProducerId, {})).producerId,
    );
    // A new block, above every block recorded: never one of the ids the old leader gave.
    expect(after).toBeGreaterThan(idsBefore[idsBefore.length - 1]!);
    expect(idsBefore).not.toContain(after);
    const blocks = second.running!.store.state.producerIdsEnd;
    expect(BigInt(blocks ?? '0')).toBeGreaterThan(after);

    // The old leader comes back as a follower and catches up (snapshots every 5 entries).
    const list = voters.map((v) => `${v.id}@127.0.0.1:${v.port}`).join(',');
    await start(first, list);
    await waitFor('the restarted voter to catch up', () =>
      first.running!.store.metadataVersion === second.running!.store.metadataVersion ? true : undefined,
    );
    expect(first.running!.store.state.topicIdsByName.orders).toBeDefined();
    expect(first.running!.store.state.producerIdsEnd).toBe(second.running!.store.state.producerIdsEnd);
  }, 90_000);
  it('replaces a dead voter by an empty one with its id (docs/OPERATIONS.md): it catches up and the quorum goes on', async () => {
    await startQuorum();
    const leader = await agreedLeader();
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) {
      await leader.running!.store.propose((p) =>
        p.append(
          metadataRecord({ type: 'CreateTopic', topicId: `id-${name}`, name, partitions: [], configs: {} }),
        ),
      );
    }
    // The precondition: the follower that stays has every committed entry.
    const [lost, kept] = voters.filter((v) => v !== leader) as [Voter, Voter];
    await waitFor('the followers to hold every entry', () =>
      leader
        .running!.replica.node.peerProgress()
        .every((p) => p.matchIndex === leader.running!.replica.node.status().lastIndex)
        ? true
        : undefined,
    );
    await lost.running!.stop();
    lost.running = undefined;
    await rm(lost.dataDir, { recursive: true, force: true });

    const list = voters.map((v) => `${v.id}@127.0.0.1:${v.port}`).join(',');
    await start(lost, list);
    await waitFor('the replacement to catch up', () =>
      lost.running!.store.metadataVersion === leader.running!.store.metadataVersion ? true : undefined,
    );
    expect(Object.keys(lost.running!.store.state.topicIdsByName).sort()).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
    ]);
    // The quorum commits with the replacement in place of the voter it replaced.
    await kept.running!.stop();
    kept.running = undefined;
    const offset = await waitFor('a commit on the leader and the replacement', () =>
      leader
        .running!.store.propose((p) => p.append(metadataRecord({ type: 'DeleteTopic', topicId: 'id-a' })))
        .catch(() => undefined),
    );
    expect(offset).toBeGreaterThan(0);
    await waitFor('the delete on the replacement', () =>
      lost.running!.store.state.topicIdsByName.a === undefined ? true : undefined,
    );
  }, 90_000);
});

describe('a one-voter coordinator', () => {
  let dataDir: string;
  let running: RunningCoordinator | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fjord-one-voter-'));
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const config = (extra: Record<string, string> = {}) =>
    COORDINATOR_CONFIG_SCHEMA.parse({ host: '127.0.0.1', port: '0', metricsPort: '-1', dataDir, ...extra });

  it('leads at once and restarts with its data', async () => {
    running = await startCoordinator({ config: config(), logger });
    expect(running.store.leading).toBe(true);
    const clusterId = running.store.state.clusterId;
    expect(clusterId).not.toBeNull();
    await running.store.propose((p) =>
      p.append(
        metadataRecord({ type: 'CreateTopic', topicId: 't1', name: 'kept', partitions: [], configs: {} }),
      ),
    );
    const version = running.store.metadataVersion;
    await running.stop();

    running = await startCoordinator({ config: config(), logger });
    expect(running.store.state.clusterId).toBe(clusterId);
    expect(running.store.state.topicIdsByName.kept).toBe('t1');
    expect(running.store.metadataVersion).toBe(version);
  });

  it('starts on a wave-1 data dir: migrates its log, keeps the metadata version and the offsets go on', async () => {
    // The wave-1 layout: records at log:0, 1, ... and a { lastOffset, state } snapshot.
    const records = [
      metadataRecord({ type: 'InitCluster', clusterId: 'wave-1' }),
      metadataRecord({ type: 'CreateTopic', topicId: 't-old', name: 'old', partitions: [], configs: {} }),
      metadataRecord({ type: 'CreateTopic', topicId: 't-tail', name: 'tail', partitions: [], configs: {} }),
    ];
    const db = new Level<Buffer, string>(dataDir, { keyEncoding: 'buffer', valueEncoding: 'utf8' });
    await db.open();
    const snapshotState = apply(apply(emptyState(), records[0]!), records[1]!);
    await db.batch([
      // A snapshot at offset 1, the record it covers still there (a crash before the cleanup), and a tail.
      { type: 'put', key: SNAPSHOT_KEY, value: JSON.stringify({ lastOffset: 1, state: snapshotState }) },
      ...records.map((record, offset) => ({
        type: 'put' as const,
        key: logKey(offset),
        value: JSON.stringify(record),
      })),
    ]);
    await db.close();

    await expect(
      startCoordinator({
        config: config({ voters: '1@127.0.0.1:1,2@127.0.0.1:2,3@127.0.0.1:3' }),
        logger,
      }),
    ).rejects.toThrow(
      /single-coordinator \(wave-1\) metadata log.*start this coordinator once without --voters/,
    );

    running = await startCoordinator({ config: config(), logger });
    expect(running.store.state.clusterId).toBe('wave-1');
    expect(Object.keys(running.store.state.topicIdsByName).sort()).toEqual(['old', 'tail']);
    expect(running.store.metadataVersion).toBe(2);
    const next = await running.store.propose((p) =>
      p.append(metadataRecord({ type: 'DeleteTopic', topicId: 't-old' })),
    );
    expect(next).toBe(3);
    await running.stop();
    running = await startCoordinator({ config: config(), logger });
    expect(Object.keys(running.store.state.topicIdsByName)).toEqual(['tail']);
    expect(running.store.metadataVersion).toBe(3);
  });
});
