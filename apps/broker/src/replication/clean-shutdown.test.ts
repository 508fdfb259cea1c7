import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
    // An fsync cannot be seen in the data: watch the sync option reach LevelDB (store.test.ts).
    const del = vi.spyOn(temp.store.db, 'del');
    const batch = vi.spyOn(temp.store.db, 'batch');
    try {
      expect(await takeCleanShutdownMarker(temp.store)).toBe(true);
      const syncs = [...del.mock.calls, ...batch.mock.calls].map(
        (call) => (call[1] as { sync?: boolean } | undefined)?.sync === true,
      );
      expect(syncs).toEqual([true]);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
