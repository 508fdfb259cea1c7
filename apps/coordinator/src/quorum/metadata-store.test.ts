import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { metadataRecord } from '../metadata/records.js';
import { emptyState } from '../metadata/state.js';
import { LevelRaftStorage } from './level-raft-storage.js';
import { openLocalMetadataStore } from './open-metadata-store.js';

const logger = pino({ level: 'silent' });

describe('MetadataStore on a one-voter Raft log (LevelDB)', () => {
  let dataDir: string;
  const open: MetadataStore[] = [];

  async function openStore(snapshotEveryRecords = 1000): Promise<MetadataStore> {
    const store = await openLocalMetadataStore({ dataDir, snapshotEveryRecords, logger });
    open.push(store);
    return store;
  }

  async function closeStore(store: MetadataStore): Promise<void> {
    open.splice(open.indexOf(store), 1);
    await store.close();
  }

  // Records written out by hand (the election's transitions are tested in election/): brokers
  // 1-3, five topics of three partitions led round-robin, then broker 2 fenced and its
  // leaderships moved to the next replica.
  async function populate(store: MetadataStore): Promise<void> {
    await store.propose((p) => p.append(metadataRecord({ type: 'InitCluster', clusterId: 'c-1' })));
    for (const brokerId of [1, 2, 3]) {
      await store.propose((p) =>
        p.append(
          metadataRecord({
            type: 'RegisterBroker',
            brokerId,
            host: 'localhost',
            port: 7400 + brokerId,
            incarnationId: `i${brokerId}`,
            brokerEpoch: String(p.nextOffset),
          }),
        ),
      );
    }
    const replicasOf = (i: number, partition: number) => [0, 1, 2].map((r) => ((i + partition + r) % 3) + 1);
    for (let i = 0; i < 5; i++) {
      const partitions = [0, 1, 2].map((partition) => {
        const replicas = replicasOf(i, partition);
        return { partition, replicas, leader: replicas[0]!, isr: [...replicas] };
      });
      await store.propose((p) =>
        p.append(
          metadataRecord({
            type: 'CreateTopic',
            topicId: `t-${i}`,
            name: `topic-${i}`,
            partitions,
            configs: {},
          }),
        ),
      );
    }
    await store.propose((p) => {
      p.append(metadataRecord({ type: 'FenceBroker', brokerId: 2 }));
      for (let i = 0; i < 5; i++) {
        for (const partition of [0, 1, 2]) {
          const replicas = replicasOf(i, partition);
          if (replicas[0] !== 2) continue;
          const isr = replicas.filter((b) => b !== 2);
          p.append(
            metadataRecord({ type: 'ChangePartition', topicId: `t-${i}`, partition, leader: isr[0]!, isr }),
          );
        }
      }
    });
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fjord-coordinator-store-'));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(open.splice(0).map((s) => s.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts empty at version -1', async () => {
    const store = await openStore();
    expect(store.metadataVersion).toBe(-1);
    expect(store.state).toEqual(emptyState());
  });

  it('appends records at consecutive offsets; the version is the last offset', async () => {
    const store = await openStore();
    const offsets = await store.propose((p) => [
      p.append(metadataRecord({ type: 'InitCluster', clusterId: 'c-1' })),
      p.append(
        metadataRecord({
          type: 'RegisterBroker',
          brokerId: 0,
          host: 'h',
          port: 1,
          incarnationId: 'x',
          brokerEpoch: '1',
        }),
      ),
    ]);
    expect(offsets).toEqual([0, 1]);
    expect(store.metadataVersion).toBe(1);
    expect(store.state.clusterId).toBe('c-1');
  });

  it('survives a restart: reopening the LevelDB replays to the same state', async () => {
    const store = await openStore();
    await populate(store);
    const before = { state: store.state, version: store.metadataVersion };
    await closeStore(store);

    const reopened = await openStore();
    expect(reopened.metadataVersion).toBe(before.version);
    expect(reopened.state).toEqual(before.state);
  });

  it('snapshots every N entries, drops covered entries, and restores from snapshot + tail', async () => {
    const store = await openStore(4);
    await populate(store);
    const before = { state: store.state, version: store.metadataVersion };
    await closeStore(store);
    const storage = await LevelRaftStorage.open(dataDir);
    const persisted = await storage.read();
    await storage.close();
    expect(persisted.snapshot?.index).toBeGreaterThan(1);
    expect(persisted.entries.length).toBeLessThan(4);

    const reopened = await openStore(4);
    expect(reopened.metadataVersion).toBe(before.version);
    expect(reopened.state).toEqual(before.state);
    // A record after the restart continues the offsets.
    const next = await reopened.propose((p) =>
      p.append(metadataRecord({ type: 'DeleteTopic', topicId: 't-0' })),
    );
    expect(next).toBe(before.version + 1);
  });

  it('changes nothing when a plan throws, and keeps serving later proposals', async () => {
    const store = await openStore();
    await populate(store);
    const before = store.state;
    await expect(
      store.propose((p) => {
        p.append(metadataRecord({ type: 'DeleteTopic', topicId: 't-1' }));
        p.append(metadataRecord({ type: 'DeleteTopic', topicId: 't-1' }));
      }),
    ).rejects.toThrow(/does not exist/);
    expect(store.state).toBe(before);
    await store.propose((p) => p.append(metadataRecord({ type: 'DeleteTopic', topicId: 't-1' })));
    expect(store.state.topics['t-1']).toBeUndefined();
  });

  it('runs concurrent proposals one at a time, in order', async () => {
    const store = await openStore();
    await store.propose((p) => p.append(metadataRecord({ type: 'InitCluster', clusterId: 'c' })));
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        store.propose((p) => {
          const exists = p.state.topicIdsByName.same !== undefined;
          if (!exists) {
            p.append(
              metadataRecord({
                type: 'CreateTopic',
                topicId: `t${i}`,
                name: 'same',
                partitions: [],
                configs: {},
              }),
            );
          }
          return exists;
        }),
      ),
    );
    expect(results).toEqual([false, true, true, true, true]);
  });

  it('group commit: proposals planned while an fsync is in flight share the next one, each resolved after it', async () => {
    const store = await openStore();
    await store.propose((p) => p.append(metadataRecord({ type: 'InitCluster', clusterId: 'c' })));
    const sync = vi.spyOn(LevelRaftStorage.prototype, 'sync');
    const batches = vi.spyOn(
      LevelRaftStorage.prototype as unknown as { writeBatch: () => void },
      'writeBatch',
    );
    const resolvedAt: Array<{ offset: number; version: number }> = [];
    const offsets = await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
        store
          .propose((p) =>
            p.append(
              metadataRecord({
                type: 'CreateTopic',
                topicId: `t${i}`,
                name: `n${i}`,
                partitions: [],
                configs: {},
              }),
            ),
          )
          .then((offset) => {
            resolvedAt.push({ offset, version: store.metadataVersion });
            return offset;
          }),
      ),
    );
    expect(offsets).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Eight entries, eight syncs asked for, two fsyncs: the first alone, the seven appended
    // while it was in flight together.
    expect(sync).toHaveBeenCalledTimes(8);
    expect(batches).toHaveBeenCalledTimes(2);
    // Each resolved only once its records were durable and current.
    expect(resolvedAt.filter(({ offset, version }) => version < offset)).toEqual([]);
    expect(resolvedAt).toHaveLength(8);
    expect(Object.keys(store.state.topics)).toHaveLength(8);
  });

  it('a failed fsync stops the voter: what it held fails with NOT_COORDINATOR, and nothing unsynced is kept', async () => {
    const store = await openStore();
    await store.propose((p) => p.append(metadataRecord({ type: 'InitCluster', clusterId: 'c' })));
    const create = (name: string) =>
      store.propose((p) => {
        p.append(metadataRecord({ type: 'CreateTopic', topicId: name, name, partitions: [], configs: {} }));
        return 'created';
      });
    await expect(create('a')).resolves.toBe('created');
    const batch = vi.spyOn(
      (store.replica as unknown as { storage: { db: { batch: (...args: unknown[]) => Promise<void> } } })
        .storage.db,
      'batch',
    );
    batch.mockRejectedValueOnce(new Error('disk full'));
    const second = create('b').catch((error: Error) => error.message);
    const third = create('c').catch((error: Error) => error.message);
    expect(await second).toMatch(/stopped leading before the entry committed.*; leader: unknown$/);
    expect(await third).toMatch(/stopped leading before the entry committed/);
    expect(store.leading).toBe(false);
    expect(store.state.topicIdsByName.b).toBeUndefined();
    await expect(create('d')).rejects.toThrow(/stopped taking part in the quorum/);
    batch.mockRestore();
    await closeStore(store);
    const reopened = await openStore();
    expect(Object.keys(reopened.state.topicIdsByName).sort()).toEqual(['a']);
  });
});
