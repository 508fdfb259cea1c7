import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostedReplicas } from './cluster/hosted-replicas.js';
import { replica } from './cluster/replica.fixture.js';
import { appendTo, batchOf, openTempStore, type TempStore } from './log/temp-store.fixture.js';
import { BrokerClients } from './replication/broker-clients.js';
import { ReplicaFetcher } from './replication/replica-fetcher.js';
import { type BrokerHarness, startBrokerHarness } from './server/broker-harness.fixture.js';

const TOPIC_ID = 'abababab-0000-4000-8000-00000000000a';
const silent = pino({ level: 'silent' });
const records = (count: number, prefix: string) =>
  batchOf(
    Array.from({ length: count }, (_, i) => i),
    prefix,
  );

describe('ReplicaFetcher truncation (KIP-279)', () => {
  let leader: BrokerHarness;
  let followerTemp: TempStore;
  const clients = new BrokerClients();

  beforeEach(async () => {
    const assignment = replica('t', TOPIC_ID, 0, { leader: 1, leaderEpoch: 4, replicas: [1, 2], isr: [1] });
    leader = await startBrokerHarness([assignment]);
    followerTemp = await openTempStore();
  });
  afterEach(async () => {
    clients.close();
    await leader.close();
    await followerTemp.cleanup();
  });

  it('asks again until both logs agree: follower [[1,0],[3,100]] against leader [[1,0],[2,50],[4,80]] ends at 50', async () => {
    const leaderLog = leader.replicas.get('t', 0)!.log;
    await appendTo(leader.temp.store, leaderLog, [records(50, 'a')], 1);
    await appendTo(leader.temp.store, leaderLog, [records(30, 'leader-epoch-2-')], 2);
    await appendTo(leader.temp.store, leaderLog, [records(10, 'c')], 4);
    expect(leaderLog.leaderEpochCache).toEqual([
      [1, 0n],
      [2, 50n],
      [4, 80n],
    ]);

    const replicas = new HostedReplicas(followerTemp.store, silent);
    await replicas.apply([
      replica('t', TOPIC_ID, 0, { leader: 1, leaderEpoch: 4, replicas: [1, 2], isr: [1] }),
    ]);
    const followerLog = replicas.get('t', 0)!.log;
    await appendTo(followerTemp.store, followerLog, [records(100, 'follower-epoch-1-')], 1);
    await appendTo(followerTemp.store, followerLog, [records(20, 'd')], 3);
    expect(followerLog.leaderEpochCache).toEqual([
      [1, 0n],
      [3, 100n],
    ]);

    clients.setBrokers([{ id: 1, host: '127.0.0.1', port: leader.port, alive: true }]);
    const truncations: Array<{ from: string; to: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void collect(line) });
    const collect = (line: string) => {
      const entry = JSON.parse(line) as { msg: string; from: string; to: string };
      if (entry.msg === 'truncated diverging log suffix')
        truncations.push({ from: entry.from, to: entry.to });
    };
    const fetcher = new ReplicaFetcher(1, {
      brokerId: 2,
      store: followerTemp.store,
      replicas,
      clients,
      logger,
      refreshMetadata: async () => true,
      fetchMaxWaitMs: 50,
    });
    try {
      const deadline = Date.now() + 10_000;
      while (followerLog.logEndOffset !== 90n && Date.now() < deadline) await sleep(20);
    } finally {
      fetcher.stop();
      await fetcher.done;
    }
    // Where the logs agree: epoch 1 ends at 50 on the leader, so the follower's [50, 100)
    // of epoch 1 diverges and is replaced by the leader's epoch 2.
    expect(truncations.at(-1)?.to).toBe('50');
    expect(followerLog.logEndOffset).toBe(90n);
    expect(followerLog.leaderEpochCache).toEqual(leaderLog.leaderEpochCache);
    const [copied] = (await followerLog.read(50n, 1 << 20, false, 'logEnd')).batches;
    const [original] = (await leaderLog.read(50n, 1 << 20, false, 'logEnd')).batches;
    expect(copied?.equals(original!)).toBe(true);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
