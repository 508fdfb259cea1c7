/** One LevelDB level as its `leveldb.stats` property reports it. */
export interface LevelStats {
  level: number;
  files: number;
  /** Bytes of the level's table files (LevelDB prints whole MiB). */
  sizeBytes: number;
  /** Time spent in compactions (and memtable flushes) that wrote into this level. */
  compactionSeconds: number;
  /** Bytes those compactions read. */
  readBytes: number;
  /** Bytes those compactions and flushes wrote into this level's table files. */
  writtenBytes: number;
}

/** What LevelDB wrote since it was opened, and what the broker gave it. */
export interface StorageStats {
  levels: LevelStats[];
  /** Bytes of keys and values the broker handed to LevelDB writes (its write-ahead log gets these once). */
  userBytes: number;
  /** Table bytes written by memtable flushes and compactions, over every level. */
  tableWrittenBytes: number;
  /** Table bytes read by compactions, over every level. */
  compactionReadBytes: number;
  /**
   * Table bytes written per user byte (tableWrittenBytes / userBytes): 1 when every byte is
   * flushed once and then only moved, higher for every compaction that rewrites it. The
   * write-ahead log adds 1 on top. 0 before anything was written.
   */
  writeAmplification: number;
  /** Bytes of batches held by the tail cache (tail-cache.ts); 0 when there is none. */
  tailCacheBytes: number;
}

const MIB = 1024 * 1024;
// "  1        3        5         0        9        12": level, files, size, time, read, write.
const LEVEL_LINE = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/;

/**
 * Parses LevelDB's `leveldb.stats` property (db_impl.cc: a header, then one line per level
 * that has files or compaction time). Throws when the text has no header, so a format
 * change in a LevelDB upgrade shows instead of reading as "nothing written".
 */
export function parseLevelDbStats(text: string): LevelStats[] {
  if (!/Level\s+Files\s+Size\(MB\)\s+Time\(sec\)\s+Read\(MB\)\s+Write\(MB\)/.test(text))
    throw new Error(`leveldb.stats has an unknown format: ${JSON.stringify(text.slice(0, 200))}`);
  const levels: LevelStats[] = [];
  for (const line of text.split('\n')) {
    const match = LEVEL_LINE.exec(line);
    if (!match) continue;
    const [, level, files, size, seconds, read, written] = match.map(Number) as number[];
    levels.push({
      level: level as number,
      files: files as number,
      sizeBytes: (size as number) * MIB,
      compactionSeconds: seconds as number,
      readBytes: (read as number) * MIB,
      writtenBytes: (written as number) * MIB,
    });
  }
  return levels;
}

/** Sums the levels into {@link StorageStats}. */
export function storageStats(levels: LevelStats[], userBytes: number, tailCacheBytes = 0): StorageStats {
  const tableWrittenBytes = levels.reduce((sum, l) => sum + l.writtenBytes, 0);
  const compactionReadBytes = levels.reduce((sum, l) => sum + l.readBytes, 0);
  return {
    levels,
    userBytes,
    tableWrittenBytes,
    compactionReadBytes,
    writeAmplification: userBytes > 0 ? tableWrittenBytes / userBytes : 0,
    tailCacheBytes,
  };
}
