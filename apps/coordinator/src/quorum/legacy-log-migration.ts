import { existsSync } from 'node:fs';
import type { Logger } from '@fjord/server-kit';
import { Level } from 'level';
import { apply } from '../metadata/apply.js';
import { LOG_KEY_END, logKey, offsetOfLogKey, SNAPSHOT_KEY } from '../metadata/log-keys.js';
import type { MetadataRecord } from '../metadata/records.js';
import { emptyState, type MetadataState } from '../metadata/state.js';
import { TERM_AND_VOTE_KEY } from './level-raft-storage.js';
import type { MetadataSnapshotData } from './metadata-state-machine.js';
import type { RaftSnapshot } from './raft-messages.js';

/** The snapshot of a wave-1 (single-process) metadata log: the state as of `lastOffset`. */
interface LegacySnapshot {
  lastOffset: number;
  state: MetadataState;
}

/**
 * Turns a wave-1 coordinator's data directory (one process, a synced log of metadata records
 * at offsets 0, 1, ... plus a `{ lastOffset, state }` snapshot, same LevelDB keys as Raft's)
 * into a Raft voter's: the replayed state becomes a Raft snapshot at index 1, term 1, which
 * keeps the metadata version (broker epochs are offsets), and the old records are deleted, all
 * in one synced batch, so a crash leaves either the old layout or the new one. A directory
 * that holds a term and vote is Raft's already and is left alone; so is an empty one.
 *
 * Only a lone voter migrates: in a quorum, the others' empty logs could elect a leader whose
 * first entries conflict with the migrated snapshot. OPERATIONS.md has the procedure: start
 * the old coordinator once as a one-voter quorum, stop it, copy its directory to every voter.
 */
export async function migrateLegacyMetadataLog(
  dataDir: string,
  voterCount: number,
  logger: Logger,
): Promise<void> {
  if (!existsSync(dataDir)) return;
  const db = new Level<Buffer, string>(dataDir, { keyEncoding: 'buffer', valueEncoding: 'utf8' });
  await db.open();
  try {
    if ((await db.get(TERM_AND_VOTE_KEY)) !== undefined) return;
    const snapshotValue = await db.get(SNAPSHOT_KEY);
    const legacySnapshot =
      snapshotValue === undefined ? undefined : (JSON.parse(snapshotValue) as LegacySnapshot);
    const keys: Buffer[] = [];
    for await (const key of db.keys({ gte: logKey(0), lt: LOG_KEY_END })) keys.push(key);
    if (legacySnapshot === undefined && keys.length === 0) return;
    if (legacySnapshot !== undefined && !('lastOffset' in legacySnapshot)) {
      throw new Error(
        `${dataDir} holds a Raft snapshot but no term and vote: it is neither a wave-1 metadata log nor a complete Raft log; restore it from a backup or another voter (docs/OPERATIONS.md)`,
      );
    }
    if (voterCount > 1) {
      throw new Error(
        `${dataDir} holds a single-coordinator (wave-1) metadata log, which only a one-voter quorum migrates: start this coordinator once without --voters, stop it, then copy its data directory to every voter (docs/OPERATIONS.md, "From one coordinator to three")`,
      );
    }
    let state = legacySnapshot?.state ?? emptyState();
    let lastOffset = legacySnapshot?.lastOffset ?? -1;
    for await (const [key, value] of db.iterator({ gte: logKey(lastOffset + 1), lt: LOG_KEY_END })) {
      const offset = offsetOfLogKey(key);
      if (offset !== lastOffset + 1) {
        throw new Error(`metadata log has a gap: expected offset ${lastOffset + 1}, found ${offset}`);
      }
      state = apply(state, JSON.parse(value) as MetadataRecord);
      lastOffset = offset;
    }
    // A wave-1 log predates security records: its state has no security part to encode.
    const { security: _none, ...plain } = state;
    const data: MetadataSnapshotData = { metadataVersion: lastOffset, state: plain };
    const snapshot: RaftSnapshot = { index: 1, term: 1, data };
    await db.batch(
      [
        ...keys.map((key) => ({ type: 'del' as const, key })),
        { type: 'put' as const, key: SNAPSHOT_KEY, value: JSON.stringify(snapshot) },
        { type: 'put' as const, key: TERM_AND_VOTE_KEY, value: JSON.stringify({ term: 1, votedFor: null }) },
      ],
      { sync: true },
    );
    logger.info(
      { dataDir, metadataVersion: lastOffset, legacyRecords: keys.length },
      'migrated a single-coordinator metadata log to a one-voter Raft log',
    );
  } finally {
    await db.close();
  }
}
