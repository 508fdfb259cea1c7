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
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COORDINATOR_CONFIG_SCHEMA } from './config/config-schema.js';
import { type RunningCoordinator, startCoordinator } from './coordinator.js';

// Voter endpoints (issues #13/#14): three in-process voters with an INTERNAL listener (the one
// --voters names) and a CLIENT listener advertised under another host name. Each answers a
// client with the voters' addresses on the listener the client came in on.

const logger = pino({ level: 'silent' });

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

function unary<Res>(
  client: v1.CoordinatorServiceClient,
  method: 'describeQuorum' | 'listTopics',
): Promise<Res> {
  return new Promise((resolve, reject) => {
    (client[method] as (r: object, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall).call(
      client,
      {},
      (error, response) => (error ? reject(error) : resolve(response!)),
    );
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Voter {
  id: number;
  internalPort: number;
  clientPort: number;
  dataDir: string;
  running: RunningCoordinator | undefined;
  clients: v1.CoordinatorServiceClient[];
}

describe('voter endpoints (in-process quorum with INTERNAL and CLIENT listeners)', () => {
  let root: string;
  let voters: Voter[] = [];
  let list = '';
  const { CoordinatorService } = loadFjordProto().fjord.v1;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fjord-voter-endpoints-'));
  });

  afterEach(async () => {
    for (const voter of voters) for (const client of voter.clients) client.close();
    await Promise.all(voters.map((v) => v.running?.stop()));
    voters = [];
    await rm(root, { recursive: true, force: true });
  });

  const internalAddress = (voter: Voter) => `127.0.0.1:${voter.internalPort}`;
  /** Advertised as `localhost`, so an announced address is told apart from a --voters one. */
  const clientAddress = (voter: Voter) => `localhost:${voter.clientPort}`;
  const dial = (voter: Voter, address: string) => {
    const client = new CoordinatorService(address, grpc.credentials.createInsecure());
    voter.clients.push(client);
    return client;
  };

  async function start(voter: Voter): Promise<void> {
    const config = COORDINATOR_CONFIG_SCHEMA.parse({
      metricsPort: '0',
      dataDir: voter.dataDir,
      nodeId: String(voter.id),
      voters: list,
      listeners: `INTERNAL://127.0.0.1:${voter.internalPort},CLIENT://127.0.0.1:${voter.clientPort}`,
      advertisedListeners: `INTERNAL://127.0.0.1:${voter.internalPort},CLIENT://localhost:${voter.clientPort}`,
      listenerSecurityProtocolMap: 'INTERNAL:PLAINTEXT,CLIENT:PLAINTEXT',
    });
    voter.running = await startCoordinator({ config, logger });
  }

  async function startQuorum(): Promise<void> {
    voters = [];
    for (let id = 1; id <= 3; id++) {
      voters.push({
        id,
        internalPort: await freePort(),
        clientPort: await freePort(),
        dataDir: join(root, `coordinator-${id}`),
        running: undefined,
        clients: [],
      });
    }
    list = voters.map((v) => `${v.id}@${internalAddress(v)}`).join(',');
    await Promise.all(voters.map(start));
  }

  const addressesOf = (answer: v1.DescribeQuorumResponse__Output) =>
    answer.voters.map((v) => [v.id, v.address]);

  /** The leader every voter names, once each knows every voter's CLIENT address. */
  async function settled(): Promise<Voter> {
    const expected = voters.map((v) => [v.id, clientAddress(v)]);
    const leaderId = await waitFor('every voter to know every CLIENT address and one leader', async () => {
      const answers = await Promise.all(
        voters.map((v) =>
          unary<v1.DescribeQuorumResponse__Output>(dial(v, clientAddress(v)), 'describeQuorum'),
        ),
      );
      const leaders = new Set(answers.map((a) => a.leaderId));
      const agreed = answers.every((a) => JSON.stringify(addressesOf(a)) === JSON.stringify(expected));
      return agreed && leaders.size === 1 && answers[0]!.leaderId > 0 ? answers[0]!.leaderId : undefined;
    });
    return voters.find((v) => v.id === leaderId)!;
  }

  it('answers DescribeQuorum and the leader hint with the addresses of the listener asked', async () => {
    await startQuorum();
    const leader = await settled();
    for (const voter of voters) {
      const viaInternal = await unary<v1.DescribeQuorumResponse__Output>(
        dial(voter, internalAddress(voter)),
        'describeQuorum',
      );
      // The quorum listener keeps the --voters addresses.
      expect(addressesOf(viaInternal)).toEqual(voters.map((v) => [v.id, internalAddress(v)]));
    }
    const follower = voters.find((v) => v !== leader)!;
    const hint = async (address: string) => {
      const error = await waitFor('a NOT_COORDINATOR refusal', () =>
        unary(dial(follower, address), 'listTopics').then(
          () => undefined,
          (e: grpc.ServiceError) => e,
        ),
      );
      expect(error.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.NOT_COORDINATOR)]);
      return error.metadata.get(LEADER_HINT_METADATA_KEY);
    };
    expect(await hint(clientAddress(follower))).toEqual([clientAddress(leader)]);
    expect(await hint(internalAddress(follower))).toEqual([internalAddress(leader)]);
  }, 60_000);

  it('picks up a voter restarted with another CLIENT address within a few heartbeats', async () => {
    await startQuorum();
    const leader = await settled();
    const follower = voters.find((v) => v !== leader)!;
    await follower.running!.stop();
    follower.running = undefined;
    follower.clientPort = await freePort();
    await start(follower);
    const others = voters.filter((v) => v !== follower);
    for (const voter of others) {
      await waitFor(`voter ${voter.id} to tell the restarted voter's new CLIENT address`, async () => {
        const answer = await unary<v1.DescribeQuorumResponse__Output>(
          dial(voter, clientAddress(voter)),
          'describeQuorum',
        );
        const told = answer.voters.find((v) => v.id === follower.id)?.address;
        return told === clientAddress(follower) ? told : undefined;
      });
    }
  }, 60_000);
});
