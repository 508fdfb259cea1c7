const LOG_PREFIX = Buffer.from('log:', 'latin1');

/** Key of the snapshot entry (state + offset of the last record it contains). */
export const SNAPSHOT_KEY = Buffer.from('snapshot', 'latin1');

/**
 * Key of the log entry at `offset`: `log:` + u64 big-endian, so LevelDB's byte order is log
 * order and a range iterator reads records in sequence.
 */
export function logKey(offset: number): Buffer {
  const key = Buffer.alloc(LOG_PREFIX.length + 8);
  LOG_PREFIX.copy(key, 0);
  key.writeBigUInt64BE(BigInt(offset), LOG_PREFIX.length);
  return key;
}

/** The offset encoded in a log key. */
export function offsetOfLogKey(key: Buffer): number {
  return Number(key.readBigUInt64BE(LOG_PREFIX.length));
}

/** One past the largest possible log key, as an exclusive upper bound for ranges. */
export const LOG_KEY_END = Buffer.from('log;', 'latin1');
