import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataRecord } from '../metadata/records.js';
import { systemRandom } from '../random-source.js';
import { LevelRaftStorage } from './level-raft-storage.js';
import { type MetadataCommand, MetadataStateMachine } from './metadata-state-machine.js';
import { raftConfig } from './raft-config.js';
import type { RaftEntry } from './raft-messages.js';
import { RaftNode } from './raft-node.js';
import { systemTimerClock } from './timer-clock.js';

type Command = string;
const entry = (index: number, term: number, command: Command | null = `c${index}`): RaftEntry<Command> => ({
  index,
  term,
  command,
});

function synced<C>(storage: LevelRaftStorage<C>): Promise<void> {
  return new Promise((resolve, reject) => storage.sync((error) => (error ? reject(error) : resolve())));
}

describe('LevelRaftStorage', () => {
  let dir: string;
  const opened: Array<LevelRaftStorage<unknown>> = [];

  async function open<C>(): Promise<LevelRaftStorage<C>> {
    const storage = await LevelRaftStorage.open<C>(dir);
    opened.push(storage as LevelRaftStorage<unknown>);
    return storage;
  }

  async function close(storage: LevelRaftStorage<unknown>): Promise<void> {
    opened.splice(opened.indexOf(storage), 1);
    await storage.close();
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fjord-raft-'));
  });

  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts empty', async () => {
    const storage = await open<Command>();
    expect(await storage.read()).toEqual({ term: 0, votedFor: null, snapshot: null, entries: [] });
  });

  it('keeps synced writes and loses the ones never synced', async () => {
    const storage = await open<Command>();
    await storage.read();
    storage.saveTermAndVote(3, 2);
    storage.append([entry(1, 1), entry(2, 3)]);
    await synced(storage);
    storage.saveTermAndVote(4, null);
    storage.append([entry(3, 4)]);
    await close(storage);

    const reopened = await open<Command>();
    expect(await reopened.read()).toEqual({
      term: 3,
      votedFor: 2,
      snapshot: null,
      entries: [entry(1, 1), entry(2, 3)],
    });
  });

  it('truncates a conflicting suffix and drops what a snapshot covers', async () => {
    const storage = await open<Command>();
    await storage.read();
    storage.append([1, 2, 3, 4, 5].map((i) => entry(i, 1)));
    await synced(storage);
    storage.truncateFrom(4);
    storage.append([entry(4, 2, 'other'), entry(5, 2)]);
    storage.saveSnapshot({ index: 2, term: 1, data: { applied: 2 } });
    await synced(storage);
    await close(storage);

    const reopened = await open<Command>();
    expect(await reopened.read()).toEqual({
      term: 0,
      votedFor: null,
      snapshot: { index: 2, term: 1, data: { applied: 2 } },
      entries: [entry(3, 1), entry(4, 2, 'other'), entry(5, 2)],
    });
    // Installing a snapshot past the log's end leaves no entries behind.
    reopened.saveSnapshot({ index: 9, term: 3, data: { applied: 9 } });
    reopened.truncateFrom(10);
    reopened.append([entry(10, 3)]);
    await synced(reopened);
    await close(reopened);
    const again = await open<Command>();
    expect((await again.read()).entries).toEqual([entry(10, 3)]);
  });

  it('refuses an append that does not follow the last entry', async () => {
    const storage = await open<Command>();
    await storage.read();
    storage.append([entry(1, 1)]);
    expect(() => storage.append([entry(3, 1)])).toThrow(/append out of order: index 3 after 1/);
  });

  it('runs a one-voter quorum on real time and disk: commits after its own fsync and recovers after a restart', async () => {
    const config = raftConfig({
      electionTimeoutMs: 200,
      heartbeatIntervalMs: 50,
      leaseMs: 150,
      snapshotEveryEntries: 5,
    });
    const startVoter = async () => {
      const storage = await open<MetadataCommand>();
      const persisted = await storage.read();
      const stateMachine = new MetadataStateMachine();
      const node = new RaftNode<MetadataCommand>({
        id: 1,
        voters: [1],
        config,
        clock: systemTimerClock,
        random: systemRandom,
        transport: {
          send: () => {
            throw new Error('a single voter has no one to send to');
          },
          listen: () => undefined,
        },
        storage,
        persisted,
        stateMachine,
      });
      node.start();
      await waitFor(() => node.role === 'leader' && node.canServeReads());
      return { node, storage, stateMachine };
    };

    const first = await startVoter();
    expect(first.node.term).toBe(1);
    const indexes: number[] = [];
    for (const brokerId of [1, 2, 3, 4, 5, 6, 7]) {
      const record = metadataRecord({
        type: 'RegisterBroker',
        brokerId,
        host: '127.0.0.1',
        port: 9000 + brokerId,
        incarnationId: `i${brokerId}`,
        brokerEpoch: String(brokerId),
      });
      indexes.push(await first.node.proposeAsync([record]));
    }
    // Index 1 is the leader's no-op; the snapshot (every 5 entries) replaced the first ones.
    expect(indexes).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(first.node.status().snapshotIndex).toBe(5);
    const stateBefore = first.stateMachine.snapshot();
    first.node.stop();
    await close(first.storage as LevelRaftStorage<unknown>);

    const second = await startVoter();
    expect(second.node.term).toBe(2);
    expect(second.node.lastApplied).toBe(9);
    expect(second.stateMachine.snapshot()).toEqual(stateBefore);
    expect(Object.keys(second.stateMachine.state.brokers)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    second.node.stop();
  });

  it('measures the fsync latency of one small synced batch', async () => {
    const storage = await open<Command>();
    await storage.read();
    const latencies: number[] = [];
    for (let i = 1; i <= 50; i++) {
      storage.append([entry(i, 1, 'x'.repeat(200))]);
      const started = performance.now();
      await synced(storage);
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const p = (q: number) => (latencies[Math.floor(q * (latencies.length - 1))] as number).toFixed(2);
    console.log(
      `LevelDB synced batch latency over 50 writes: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`,
    );
    expect(latencies.length).toBe(50);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
