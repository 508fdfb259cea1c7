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

/**
 * The coordinator's metadata: the current state plus the durable log it comes from.
 * Changes go through {@link MetadataStore.propose}, which runs one proposal at a time, in
 * arrival order, so concurrent RPCs never interleave their check-then-append steps.
 */
export class MetadataStore {
  private current: MetadataState;
  private last: number;
  private recordsSinceSnapshot: number;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly log: MetadataLog,
    private readonly options: MetadataStoreOptions,
    state: MetadataState,
    lastOffset: number,
    recordsSinceSnapshot: number,
  ) {
    this.current = state;
    this.last = lastOffset;
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
   * Runs `plan` against the current state once every earlier proposal has finished, stores
   * the records it appended in one synced write, then makes the new state current. If `plan`
   * throws or the write fails, nothing changes. Returns what `plan` returned.
   */
  propose<T>(plan: (proposal: Proposal) => T): Promise<T> {
    const run = this.queue.then(() => this.runProposal(plan));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runProposal<T>(plan: (proposal: Proposal) => T): Promise<T> {
    const proposal = new Proposal(this.current, this.last + 1);
    const result = plan(proposal);
    if (proposal.records.length === 0) return result;
    await this.log.append(this.last + 1, proposal.records);
    this.current = proposal.state;
    this.last += proposal.records.length;
    this.recordsSinceSnapshot += proposal.records.length;
    proposal.runCommitHooks();
    if (this.recordsSinceSnapshot >= this.options.snapshotEveryRecords) await this.snapshot();
    return result;
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

  /** Waits for queued proposals, then closes LevelDB. */
  async close(): Promise<void> {
    await this.queue;
    await this.log.close();
  }
}
