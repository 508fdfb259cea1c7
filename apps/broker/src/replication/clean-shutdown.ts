import { CLEAN_SHUTDOWN_KEY } from '../log/keys.js';
import type { LogStore } from '../log/store.js';

/**
 * Reads and removes the clean-shutdown marker: true when the previous process on this data
 * directory stopped cleanly (or there was none: a new directory lost nothing). Removing it
 * at once means a crash of this process is seen as unclean by the next one.
 */
export async function takeCleanShutdownMarker(store: LogStore): Promise<boolean> {
  const marker = await store.db.get(CLEAN_SHUTDOWN_KEY);
  if (marker === undefined) {
    // A brand-new data directory has no keys at all: nothing can have been lost.
    const [anyKey] = await store.db.keys({ limit: 1 }).all();
    return anyKey === undefined;
  }
  await store.write([{ type: 'del', key: CLEAN_SHUTDOWN_KEY }]);
  return true;
}

/** Writes the marker as the last write of a clean shutdown, synced. */
export async function writeCleanShutdownMarker(store: LogStore): Promise<void> {
  await store.runExclusive((db) => db.put(CLEAN_SHUTDOWN_KEY, Buffer.alloc(0), { sync: true }));
}
