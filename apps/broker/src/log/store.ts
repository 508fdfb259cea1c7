import { mkdir } from 'node:fs/promises';
import { Level } from 'level';
import { FLUSH_MARKER_KEY } from './keys.js';
import { parseLevelDbStats, type StorageStats, storageStats } from './storage-stats.js';
import { DEFAULT_TAIL_CACHE_BYTES, TailCache } from './tail-cache.js';
import { type WriteHooks, type WriteOp, WriteQueue } from './write-queue.js';

/**
 * When writes reach the disk (see the `flushPolicy` config option):
 * - `os`: LevelDB write without fsync. The data is in the OS page cache before the ack, so
 *   it survives a process crash (kill -9), not a machine crash or power loss.
 * - `sync`: fsync on every write. Survives a machine crash; slowest.
 * - `interval`: like `os`, plus an fsync every `flushIntervalMs`; a machine crash loses at
 *   most that window.
 */
export type FlushPolicy = 'os' | 'sync' | 'interval';

export interface LogStoreOptions {
  flushPolicy: FlushPolicy;
  flushIntervalMs: number;
  /** LevelDB's memtable size (write_buffer_size); default {@link LEVELDB_DEFAULTS}. */
  writeBufferBytes?: number;
  /** LevelDB's table file size before it starts a new one (max_file_size); default {@link LEVELDB_DEFAULTS}. */
  maxFileBytes?: number;
  /** Memory for the last appended batches of every partition; default {@link DEFAULT_TAIL_CACHE_BYTES}, 0 = none. */
  tailCacheBytes?: number;
}

/**
 * The LevelDB sizes the broker opens its store with unless told otherwise. LevelDB's own
 * (4 MiB memtable, 2 MiB tables) rewrote each appended byte 2 (1 partition) to 4 times (16
 * partitions) in compactions; these sizes measured 1.9-2.0 and 3.1-3.2, at 10-16 ms of CPU
 * per MiB appended instead of 12-19 (docs/PERFORMANCE.md, "Storage"). The cost: up to two memtables (the
 * one filling, the one being flushed) of anonymous memory, and up to one memtable of
 * write-ahead log to replay on start.
 */
export const LEVELDB_DEFAULTS = {
  writeBufferBytes: 32 * 1024 * 1024,
  maxFileBytes: 8 * 1024 * 1024,
} as const;

export type BrokerDb = Level<Buffer, Buffer>;

/**
 * The broker's LevelDB with its single write queue. Every mutation goes through
 * {@link LogStore.write} or {@link LogStore.runExclusive} so that writes are serialized and
 * group-committed; reads go straight to {@link LogStore.db}.
 */
export class LogStore {
  private readonly queue: WriteQueue;
  /** The last appended batches of every partition in this store, within one budget. */
  readonly tailCache: TailCache;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly writeFailureListeners = new Set<(error: Error) => void>();
  /** Key and value bytes of every queued write that reached LevelDB. */
  private userBytes = 0;

  private constructor(
    readonly db: BrokerDb,
    private readonly options: LogStoreOptions,
  ) {
    this.tailCache = new TailCache(options.tailCacheBytes ?? DEFAULT_TAIL_CACHE_BYTES);
    const sync = options.flushPolicy === 'sync';
    this.queue = new WriteQueue((ops) =>
      db.batch(ops, { sync }).then(
        () => {
          this.userBytes += opBytes(ops);
        },
        (error: unknown) => {
          this.notifyWriteFailure(error);
          throw error;
        },
      ),
    );
  }

  /**
   * Calls `listener` on every failed storage write (disk full, I/O error): batch writes and
   * the interval fsync. Returns a function that removes it.
   */
  onWriteFailure(listener: (error: Error) => void): () => void {
    this.writeFailureListeners.add(listener);
    return () => {
      this.writeFailureListeners.delete(listener);
    };
  }

  /** Opens (creating if needed) the LevelDB in `dir`. */
  static async open(dir: string, options: LogStoreOptions): Promise<LogStore> {
    await mkdir(dir, { recursive: true });
    const db: BrokerDb = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open({
      writeBufferSize: options.writeBufferBytes ?? LEVELDB_DEFAULTS.writeBufferBytes,
      maxFileSize: options.maxFileBytes ?? LEVELDB_DEFAULTS.maxFileBytes,
    });
    const store = new LogStore(db, options);
    store.startFlushTimer();
    return store;
  }

  /** Queues one atomic write; see {@link WriteQueue.write}. */
  write(ops: WriteOp[], hooks?: WriteHooks): Promise<void> {
    return this.queue.write(ops, hooks);
  }

  /** Runs a storage task (e.g. a range delete) in queue order; see {@link WriteQueue.runExclusive}. */
  runExclusive(run: (db: BrokerDb) => Promise<void>): Promise<void> {
    return this.queue.runExclusive(() => run(this.db));
  }

  /**
   * What LevelDB wrote since this store was opened (its `leveldb.stats` property) against
   * the bytes the broker gave it: the write amplification of the data layout. Undefined once
   * closed.
   */
  stats(): StorageStats | undefined {
    if (this.closed) return undefined;
    // `level` types the universal database, whose browser half has no properties; in Node it
    // is classic-level, which has getProperty.
    const properties = this.db as unknown as { getProperty(name: string): string };
    return storageStats(
      parseLevelDbStats(properties.getProperty('leveldb.stats')),
      this.userBytes,
      this.tailCache.bytes,
    );
  }

  /** Waits for queued writes, then closes LevelDB. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.queue.whenIdle();
    await this.db.close();
  }

  private notifyWriteFailure(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    for (const listener of this.writeFailureListeners) listener(failure);
  }

  private startFlushTimer(): void {
    if (this.options.flushPolicy !== 'interval') return;
    this.flushTimer = setInterval(() => {
      // A sync write makes LevelDB fsync its log file, which holds every earlier write too.
      this.queue
        .runExclusive(() => this.db.put(FLUSH_MARKER_KEY, Buffer.alloc(0), { sync: true }))
        .catch((error: unknown) => this.notifyWriteFailure(error));
    }, this.options.flushIntervalMs);
    this.flushTimer.unref();
  }
}

function opBytes(ops: WriteOp[]): number {
  let bytes = 0;
  for (const op of ops) bytes += op.key.length + (op.type === 'put' ? op.value.length : 0);
  return bytes;
}
