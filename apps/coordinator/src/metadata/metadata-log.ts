import { mkdir } from 'node:fs/promises';
import { Level } from 'level';
import { LOG_KEY_END, logKey, offsetOfLogKey, SNAPSHOT_KEY } from './log-keys.js';
import type { MetadataRecord } from './records.js';
import type { MetadataState } from './state.js';

/** The state as of `lastOffset` (-1: before the first record). */
export interface Snapshot {
  lastOffset: number;
  state: MetadataState;
}

/** One stored log entry. */
export interface LogEntry {
  offset: number;
  record: MetadataRecord;
}

/**
 * The metadata log and its snapshot in the coordinator's LevelDB. Every write is synced:
 * metadata is small and must survive a machine crash, not just a process crash.
 */
export class MetadataLog {
  private constructor(private readonly db: Level<Buffer, string>) {}

  /** Opens (creating if needed) the LevelDB under `dataDir`. */
  static async open(dataDir: string): Promise<MetadataLog> {
    await mkdir(dataDir, { recursive: true });
    const db = new Level<Buffer, string>(dataDir, { keyEncoding: 'buffer', valueEncoding: 'utf8' });
    await db.open();
    return new MetadataLog(db);
  }

  /** The latest snapshot, or undefined when none was written yet. */
  async readSnapshot(): Promise<Snapshot | undefined> {
    const value = await this.db.get(SNAPSHOT_KEY);
    return value === undefined ? undefined : (JSON.parse(value) as Snapshot);
  }

  /** Log entries with an offset greater than `offset`, in order. */
  async *entriesAfter(offset: number): AsyncGenerator<LogEntry> {
    for await (const [key, value] of this.db.iterator({ gte: logKey(offset + 1), lt: LOG_KEY_END })) {
      yield { offset: offsetOfLogKey(key), record: JSON.parse(value) as MetadataRecord };
    }
  }

  /** Appends records at `firstOffset`, `firstOffset + 1`, … in one atomic, synced write. */
  async append(firstOffset: number, records: readonly MetadataRecord[]): Promise<void> {
    const operations = records.map((record, i) => ({
      type: 'put' as const,
      key: logKey(firstOffset + i),
      value: JSON.stringify(record),
    }));
    await this.db.batch(operations, { sync: true });
  }

  /**
   * Stores a snapshot, then drops the log entries it covers. A crash between the two steps
   * only leaves entries that replay skips (their offsets are not above the snapshot's).
   */
  async writeSnapshot(snapshot: Snapshot): Promise<void> {
    await this.db.put(SNAPSHOT_KEY, JSON.stringify(snapshot), { sync: true });
    await this.db.clear({ gte: logKey(0), lte: logKey(snapshot.lastOffset) });
  }

  /** Number of log entries currently stored (for tests and diagnostics). */
  async countEntries(): Promise<number> {
    let count = 0;
    for await (const _key of this.db.keys({ gte: logKey(0), lt: LOG_KEY_END })) count++;
    return count;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
