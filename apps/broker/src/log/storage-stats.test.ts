import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLevelDbStats, storageStats } from './storage-stats.js';
import { openTempStore, type TempStore } from './temp-store.fixture.js';

// The text LevelDB 1.23 (classic-level 3) prints for `leveldb.stats` (db_impl.cc).
const SAMPLE = `                               Compactions
Level  Files Size(MB) Time(sec) Read(MB) Write(MB)
--------------------------------------------------
  0        2        8         0        0        12
  2       48       98         3      551       530
`;
const MIB = 1024 * 1024;

describe('leveldb.stats', () => {
  let temp: TempStore | undefined;
  afterEach(async () => {
    await temp?.cleanup();
    temp = undefined;
  });

  it('parses one entry per listed level, sizes in bytes', () => {
    expect(parseLevelDbStats(SAMPLE)).toEqual([
      { level: 0, files: 2, sizeBytes: 8 * MIB, compactionSeconds: 0, readBytes: 0, writtenBytes: 12 * MIB },
      {
        level: 2,
        files: 48,
        sizeBytes: 98 * MIB,
        compactionSeconds: 3,
        readBytes: 551 * MIB,
        writtenBytes: 530 * MIB,
      },
    ]);
  });

  it('sums the levels into table bytes written per user byte', () => {
    const stats = storageStats(parseLevelDbStats(SAMPLE), 271 * MIB);
    expect(stats).toMatchObject({ tableWrittenBytes: 542 * MIB, compactionReadBytes: 551 * MIB });
    expect(stats.writeAmplification).toBe(2);
    expect(storageStats([], 0).writeAmplification).toBe(0);
  });

  it('refuses text in another format rather than reading it as nothing written', () => {
    expect(() => parseLevelDbStats('Level Files Size')).toThrow(/leveldb\.stats has an unknown format/);
  });

  it("reads a real store's flushes against the bytes written through it", async () => {
    // A 64 KiB memtable, so that 3 MiB of writes become tables at once.
    temp = await openTempStore({ flushPolicy: 'os', flushIntervalMs: 1000, writeBufferBytes: 64 * 1024 });
    const value = randomBytes(32 * 1024);
    let written = 0;
    for (let i = 0; i < 96; i++) {
      const key = Buffer.from([0x01, i]);
      await temp.store.write([{ type: 'put', key, value }]);
      written += key.length + value.length;
    }
    expect(temp.store.stats()?.userBytes).toBe(written);
    const deadline = Date.now() + 10_000;
    while ((temp.store.stats()?.tableWrittenBytes ?? 0) < 2 * MIB && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const stats = temp.store.stats();
    expect(stats?.tableWrittenBytes).toBeGreaterThanOrEqual(2 * MIB);
    expect(stats?.levels.reduce((files, l) => files + l.files, 0)).toBeGreaterThan(0);
    await temp.store.close();
    expect(temp.store.stats()).toBeUndefined();
  });
});
