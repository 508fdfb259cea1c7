import type { Logger } from '@fjord/server-kit';
import { MetadataStore } from '../metadata/metadata-store.js';
import { type RandomSource, systemRandom } from '../random-source.js';
import type { MetadataCommand } from './metadata-state-machine.js';
import { type RaftConfig, raftConfig } from './raft-config.js';
import { RaftMetadataReplica } from './raft-metadata-replica.js';
import type { RaftTransport } from './raft-transport.js';
import { systemTimerClock, type TimerClock } from './timer-clock.js';

export interface OpenMetadataStoreOptions {
  dataDir: string;
  /** Snapshot the state (and drop older log entries) after this many applied entries. */
  snapshotEveryRecords: number;
  logger: Logger;
  /** This voter's id (default 1). */
  nodeId?: number;
  /** Every voter's id (default: this one alone). */
  voters?: readonly number[];
  /** Each voter's address on a listener (undefined: the quorum listener), for NOT_COORDINATOR's leader hint. */
  voterAddress?: (id: number, listenerName?: string) => string | undefined;
  /** How the voters reach each other; needed with more than one voter. */
  transport?: RaftTransport<MetadataCommand>;
  clock?: TimerClock;
  random?: RandomSource;
  /** Raft timing; raft-config.ts has the defaults. */
  raft?: Partial<RaftConfig>;
}

/** The transport of a lone voter: it has nobody to talk to. */
const NO_PEERS: RaftTransport<MetadataCommand> = { send: () => undefined, listen: () => undefined };

/**
 * Opens this coordinator's voter of the metadata quorum under `dataDir` and the store over it.
 * A lone voter elects itself at once; this waits for that (one fsync), so the store it returns
 * accepts proposals and holds every committed record. With more voters it returns at once and
 * the store leads, or not, once the quorum has elected.
 */
export async function openMetadataStore(
  options: OpenMetadataStoreOptions,
): Promise<{ store: MetadataStore; replica: RaftMetadataReplica }> {
  const nodeId = options.nodeId ?? 1;
  const voters = options.voters ?? [nodeId];
  if (voters.length > 1 && options.transport === undefined) {
    throw new Error(`a quorum of ${voters.length} voters needs a transport`);
  }
  const replica = await RaftMetadataReplica.open({
    dataDir: options.dataDir,
    nodeId,
    voters,
    config: raftConfig({ ...options.raft, snapshotEveryEntries: options.snapshotEveryRecords }),
    clock: options.clock ?? systemTimerClock,
    random: options.random ?? systemRandom,
    transport: options.transport ?? NO_PEERS,
    voterAddress: options.voterAddress ?? (() => undefined),
    logger: options.logger,
  });
  const store = new MetadataStore(replica, () => replica.close());
  if (voters.length === 1 && !replica.isReadyLeader()) {
    await new Promise<void>((resolve) => replica.onLeadership((leading) => leading && resolve()));
  }
  return { store, replica };
}

/** {@link openMetadataStore} for a lone voter, returning just the store (tests, tools). */
export async function openLocalMetadataStore(
  options: Pick<OpenMetadataStoreOptions, 'dataDir' | 'snapshotEveryRecords' | 'logger' | 'clock'>,
): Promise<MetadataStore> {
  return (await openMetadataStore(options)).store;
}
