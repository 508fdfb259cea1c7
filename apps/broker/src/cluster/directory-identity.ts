import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DIRECTORY_IDENTITY_KEY } from '../log/keys.js';
import type { LogStore } from '../log/store.js';

/** Who a data directory belongs to, stored in it (Kafka's meta.properties). */
export interface DirectoryIdentity {
  /** The broker whose replicas the directory holds. */
  brokerId: number;
  /** Random, fixed when the directory was first used: tells two copies of one broker's data apart. */
  directoryId: string;
}

/** The result of {@link claimDataDirectory}. */
export interface ClaimedDirectory extends DirectoryIdentity {
  /** True when this call stamped the directory: no broker ran on it before (or none since identities exist). */
  stampedNow: boolean;
}

const storedIdentitySchema = z.object({
  version: z.literal(1),
  brokerId: z.number().int().nonnegative(),
  directoryId: z.string().uuid(),
});

/** Thrown when a broker is started on a data directory of another broker. */
export class ForeignDataDirectoryError extends Error {
  constructor(dataDir: string, brokerId: number, owner: DirectoryIdentity) {
    super(
      `data directory ${dataDir} (directory id ${owner.directoryId}) belongs to broker ${owner.brokerId}, ` +
        `not to broker ${brokerId}: refusing to start (start broker ${owner.brokerId} on it, or give ` +
        `broker ${brokerId} its own data directory)`,
    );
    this.name = 'ForeignDataDirectoryError';
  }
}

/**
 * Claims the data directory for `brokerId` before anything else reads or writes replica
 * data: a new directory (or one written before identities were stored) is stamped with the
 * broker id and a fresh directory id, synced; a directory stamped for another broker is
 * refused with {@link ForeignDataDirectoryError}. Without this, a swapped volume would serve
 * another broker's replicas as its own, and its first metadata apply would delete the
 * partitions this broker does not host, i.e. the other broker's data.
 */
export async function claimDataDirectory(
  store: LogStore,
  dataDir: string,
  brokerId: number,
): Promise<ClaimedDirectory> {
  const stored = await store.db.get(DIRECTORY_IDENTITY_KEY);
  if (stored !== undefined) {
    const owner = parseIdentity(stored, dataDir);
    if (owner.brokerId !== brokerId) throw new ForeignDataDirectoryError(dataDir, brokerId, owner);
    return { ...owner, stampedNow: false };
  }
  const identity: DirectoryIdentity = { brokerId, directoryId: randomUUID() };
  const value = Buffer.from(JSON.stringify({ version: 1, ...identity }), 'utf8');
  await store.runExclusive((db) => db.put(DIRECTORY_IDENTITY_KEY, value, { sync: true }));
  return { ...identity, stampedNow: true };
}

function parseIdentity(bytes: Buffer, dataDir: string): DirectoryIdentity {
  try {
    const { brokerId, directoryId } = storedIdentitySchema.parse(JSON.parse(bytes.toString('utf8')));
    return { brokerId, directoryId };
  } catch (error) {
    throw new Error(`data directory ${dataDir} has an unreadable directory identity`, { cause: error });
  }
}
