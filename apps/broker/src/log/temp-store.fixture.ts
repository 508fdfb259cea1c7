import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecordBatch, validateBatch } from '@fjord/protocol';
import type { PartitionLog } from './partition-log.js';
import { LogStore, type LogStoreOptions } from './store.js';

/** A LogStore in a fresh temp directory; `cleanup` closes it and removes the directory. */
export interface TempStore {
  store: LogStore;
  dir: string;
  reopen(): Promise<LogStore>;
  cleanup(): Promise<void>;
}

/** Opens a LogStore on a new temp dir (test helper). */
export async function openTempStore(
  options: LogStoreOptions = { flushPolicy: 'os', flushIntervalMs: 1000 },
): Promise<TempStore> {
  const dir = await mkdtemp(join(tmpdir(), 'fjord-broker-test-'));
  const temp: TempStore = {
    store: await LogStore.open(dir, options),
    dir,
    async reopen() {
      await temp.store.close();
      temp.store = await LogStore.open(dir, options);
      return temp.store;
    },
    async cleanup() {
      await temp.store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return temp;
}

/** A one-batch buffer of records with the given timestamps (values "v<i>"). */
export function batchOf(timestampsMs: readonly number[], valuePrefix = 'v'): Buffer {
  return encodeRecordBatch({
    records: timestampsMs.map((timestamp, i) => ({
      key: null,
      value: Buffer.from(`${valuePrefix}${i}`),
      timestamp,
    })),
  });
}

/** All keys stored in the database, hex-encoded (to compare storage before/after). */
export async function dumpKeys(store: LogStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.db.keys()) keys.push(key.toString('hex'));
  return keys;
}

/** Appends `batches` to `log` the way the produce path does; resolves with the base offset. */
export async function appendTo(
  store: LogStore,
  log: PartitionLog,
  batches: Buffer[],
  leaderEpoch = 0,
  logAppendTimeMs: number | null = null,
): Promise<bigint> {
  const prepared = log.prepareAppend(
    batches.map((bytes) => ({ header: validateBatch(bytes), bytes })),
    leaderEpoch,
    logAppendTimeMs,
  );
  await store.write(prepared.ops, { onCommit: prepared.commit, onFail: prepared.rollback });
  return prepared.baseOffset;
}

/** A batch of `count` records from producer `producerId`, starting at sequence `baseSequence`. */
export function idempotentBatch(
  producerId: bigint,
  producerEpoch: number,
  baseSequence: number,
  count: number,
): Buffer {
  return encodeRecordBatch({
    producerId,
    producerEpoch,
    baseSequence,
    records: Array.from({ length: count }, (_, i) => ({
      key: null,
      value: Buffer.from(`p${producerId}-e${producerEpoch}-s${baseSequence + i}`),
      timestamp: 1000 + i,
    })),
  });
}
