import { CLEAN_SHUTDOWN_KEY } from '../log/keys.js';
import type { LogStore } from '../log/store.js';

/**
 * Reads and removes the clean-shutdown marker: true only when the previous process on this
 * data directory stopped cleanly. A directory without the marker is unclean, an empty one
 * included: a replaced disk lost everything its broker held, and must not register as a
 * replica that has every acknowledged record (it would be elected from the ISR ahead of
 * eligible leader replicas and lead with an empty log). A brand-new broker is in no ISR
 * yet, so an unclean first registration changes nothing for it.
 *
 * The removal is synced: after a machine crash right after this start the marker must be
 * gone, or the next start would count as clean although this process may have lost writes.
 */
export async function takeCleanShutdownMarker(store: LogStore): Promise<boolean> {
  const marker = await store.db.get(CLEAN_SHUTDOWN_KEY);
  if (marker === undefined) return false;
  await store.runExclusive((db) => db.del(CLEAN_SHUTDOWN_KEY, { sync: true }));
  return true;
}

/** Writes the marker as the last write of a clean shutdown, synced. */
export async function writeCleanShutdownMarker(store: LogStore): Promise<void> {
  await store.runExclusive((db) => db.put(CLEAN_SHUTDOWN_KEY, Buffer.alloc(0), { sync: true }));
}
