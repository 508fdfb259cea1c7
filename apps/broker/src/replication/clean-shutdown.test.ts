import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../log/temp-store.fixture.js';
import { takeCleanShutdownMarker, writeCleanShutdownMarker } from './clean-shutdown.js';

describe('clean-shutdown marker', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await openTempStore();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('counts an empty data directory as unclean: a replaced disk lost whatever it held', async () => {
    expect(await takeCleanShutdownMarker(temp.store)).toBe(false);
  });

  it('is clean once after a clean shutdown, and unclean after a start without one', async () => {
    await writeCleanShutdownMarker(temp.store);
    await temp.reopen();
    expect(await takeCleanShutdownMarker(temp.store)).toBe(true);
    await temp.reopen();
    expect(await takeCleanShutdownMarker(temp.store)).toBe(false);
  });

  it('removes the marker with a synced write, so a machine crash right after start is unclean', async () => {
    await writeCleanShutdownMarker(temp.store);
    await temp.reopen();
    const db = temp.store.db;
    const syncs: boolean[] = [];
    const { del, batch } = db;
    // Records the sync option of every LevelDB write the call makes.
    const spy =
      (write: (...args: never[]) => unknown) =>
      (...args: unknown[]) => {
        const options = args.find(
          (a): a is { sync?: boolean } => typeof a === 'object' && a !== null && 'sync' in a,
        );
        syncs.push(options?.sync === true);
        return (write as (...a: unknown[]) => unknown).apply(db, args);
      };
    db.del = spy(del) as typeof db.del;
    db.batch = spy(batch) as typeof db.batch;
    try {
      expect(await takeCleanShutdownMarker(temp.store)).toBe(true);
    } finally {
      db.del = del;
      db.batch = batch;
    }
    expect(syncs).toEqual([true]);
  });
});
