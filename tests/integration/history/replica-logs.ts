import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The subset of the `level` package used to read a stopped broker's data directory. */
interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
  iterator(options: { gte: Buffer; lt: Buffer }): AsyncIterable<[Buffer, Buffer]>;
}
type LevelCtor = new (dir: string, options: { keyEncoding: 'buffer'; valueEncoding: 'buffer' }) => LevelDb;

// The broker's own LevelDB binding, resolved from the broker package (no extra dependency).
const brokerPackage = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'apps',
  'broker',
  'package.json',
);
const { Level } = createRequire(brokerPackage)('level') as { Level: LevelCtor };

/**
 * The stored batches of one partition below `highWatermark`, concatenated, read straight
 * from a STOPPED broker's LevelDB (key layout in apps/broker/src/log/keys.ts:
 * 0x01 | topicId (16) | partition (u32 BE) | baseOffset (u64 BE) -> batch bytes).
 * Followers copy batches byte for byte, so in-sync replicas must give equal buffers.
 */
export async function committedBytes(
  dataDir: string,
  topicId: string,
  partition: number,
  highWatermark: bigint,
): Promise<Buffer> {
  const prefix = Buffer.alloc(21);
  prefix[0] = 0x01;
  Buffer.from(topicId.replace(/-/g, ''), 'hex').copy(prefix, 1);
  prefix.writeUInt32BE(partition, 17);
  const bound = (offset: bigint) => {
    const key = Buffer.alloc(29);
    prefix.copy(key);
    key.writeBigUInt64BE(offset, 21);
    return key;
  };
  const db = new Level(dataDir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    const parts: Buffer[] = [];
    for await (const [, value] of db.iterator({ gte: bound(0n), lt: bound(highWatermark) }))
      parts.push(value);
    return Buffer.concat(parts);
  } finally {
    await db.close();
  }
}
