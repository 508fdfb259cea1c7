import type { Logger } from '@fjord/server-kit';
import { apply } from './apply.js';
import { MetadataLog } from './metadata-log.js';
import { Proposal } from './proposal.js';
import { emptyState, type MetadataState } from './state.js';

export interface MetadataStoreOptions {
  dataDir: string;
  /** Snapshot the state (and drop older entries) after this many records. */
  snapshotEveryRecords: number;
  logger: Logger;
}

/** A planned proposal waiting for the write that holds its records. */
interface Planned {
  proposal: Proposal;
  result: unknown;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The coordinator's metadata: the current state plus the durable log it comes from.
 * Changes go through {@link MetadataStore.propose}. Proposals are planned one at a time, in
 * arrival order, each against the state every earlier proposal leads to, so concurrent RPCs
 * never interleave their check-then-append steps. Writes are group-committed: the proposals
 * planned while one synced write is in flight go to disk together in the next one, so a
 * group heartbeat waits for at most one fsync ahead of its own, not one per earlier proposal.
 */
export class MetadataStore {
  /** Stored: what readers see. */
  private current: MetadataState;
  private last: number;
  /** After every planned proposal, stored or not: what the next plan runs against. */
  private planned: MetadataState;
  private plannedLast: number;
  private recordsSinceSnapshot: number;
  private waiting: Planned[] = [];
  private writing = false;
  private idleWaiters: Array<() => void> = [];

  private constructor(
    private readonly log: MetadataLog,
    private readonly options: MetadataStoreOptions,
    state: MetadataState,
    lastOffset: number,
    recordsSinceSnapshot: number,
  ) {
    this.current = state;
    this.last = lastOffset;
    this.planned = state;
    this.plannedLast = lastOffset;
    this.recordsSinceSnapshot = recordsSinceSnapshot;
  }

  /** Opens the log under `dataDir`, loads the latest snapshot and replays the records after it. */
  static async open(options: MetadataStoreOptions): Promise<MetadataStore> {
    const log = await MetadataLog.open(options.dataDir);
    try {
      const snapshot = await log.readSnapshot();
      let state = snapshot?.state ?? emptyState();
      let lastOffset = snapshot?.lastOffset ?? -1;
      let replayed = 0;
      for await (const entry of log.entriesAfter(lastOffset)) {
        if (entry.offset !== lastOffset + 1) {
          throw new Error(`metadata log has a gap: expected offset ${lastOffset + 1}, found ${entry.offset}`);
        }
        state = apply(state, entry.record);
        lastOffset = entry.offset;
        replayed++;
      }
      options.logger.info(
        {
          snapshotOffset: snapshot?.lastOffset ?? -1,
          replayedRecords: replayed,
          metadataVersion: lastOffset,
        },
        'metadata loaded',
      );
      return new MetadataStore(log, options, state, lastOffset, replayed);
    } catch (error) {
      await log.close();
      throw error;
    }
  }

  /** The current state (treat as read-only). */
  get state(): MetadataState {
    return this.current;
  }

  /** The metadata version: offset of the last applied record, -1 before the first. */
  get metadataVersion(): number {
    return this.last;
  }

  /**
   * Runs `plan` at once against the state every earlier proposal leads to, then resolves with
   * what it returned once its records are stored in a synced write (shared with the other
   * proposals planned meanwhile) and the new state is current. A proposal without records
   * resolves once every earlier one is stored. If `plan` throws, its records are dropped and
   * nothing changes. If the write fails, it and every proposal planned after it fail (they
   * were planned on top of it); later proposals start from the stored state.
   */
  propose<T>(plan: (proposal: Proposal) => T): Promise<T> {
    const proposal = new Proposal(this.planned, this.plannedLast + 1);
    let result: T;
    try {
      result = plan(proposal);
    } catch (error) {
      return Promise.reject(error);
    }
    if (proposal.records.length === 0 && !this.writing && this.waiting.length === 0) {
      return Promise.resolve(result);
    }
    this.planned = proposal.state;
    this.plannedLast += proposal.records.length;
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ proposal, result, resolve: resolve as (result: unknown) => void, reject });
      this.writeNext();
    });
  }

  private writeNext(): void {
    if (this.writing) return;
    const group = this.waiting.splice(0);
    if (group.length === 0) {
      const waiters = this.idleWaiters.splice(0);
      for (const waiter of waiters) waiter();
      return;
    }
    this.writing = true;
    void this.write(group).then((settle) => {
      this.writing = false;
      // Before anyone learns the outcome: whatever they propose next goes to the next write.
      settle();
      this.writeNext();
    });
  }

  /** Writes `group`; returns what settles its proposals. */
  private async write(group: Planned[]): Promise<() => void> {
    const records = group.flatMap((planned) => planned.proposal.records);
    try {
      if (records.length > 0) await this.log.append(this.last + 1, records);
    } catch (error) {
      // Everything planned so far stood on these records: fail it and plan afresh.
      const failed = [...group, ...this.waiting.splice(0)];
      this.planned = this.current;
      this.plannedLast = this.last;
      const reason = error instanceof Error ? error : new Error(String(error));
      return () => {
        for (const planned of failed) planned.reject(reason);
      };
    }
    this.current = group[group.length - 1]!.proposal.state;
    this.last += records.length;
    this.recordsSinceSnapshot += records.length;
    for (const planned of group) planned.proposal.runCommitHooks();
    if (this.recordsSinceSnapshot >= this.options.snapshotEveryRecords) await this.snapshot();
    return () => {
      for (const planned of group) planned.resolve(planned.result);
    };
  }

  private async snapshot(): Promise<void> {
    try {
      await this.log.writeSnapshot({ lastOffset: this.last, state: this.current });
      this.recordsSinceSnapshot = 0;
      this.options.logger.debug({ metadataVersion: this.last }, 'metadata snapshot written');
    } catch (error) {
      // The log still holds every record, so a failed snapshot only costs replay time.
      this.options.logger.warn({ err: error }, 'metadata snapshot failed');
    }
  }

  /** Number of log entries kept (entries covered by a snapshot are dropped). */
  storedLogEntries(): Promise<number> {
    return this.log.countEntries();
  }

  /** Waits for planned proposals to be written, then closes LevelDB. */
  async close(): Promise<void> {
    if (this.writing || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    await this.log.close();
  }
}
