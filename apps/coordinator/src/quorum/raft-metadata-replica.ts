import type { Logger } from '@fjord/server-kit';
import type { AppendOutcome, MetadataReplica } from '../metadata/metadata-replica.js';
import type { MetadataRecord } from '../metadata/records.js';
import type { MetadataState } from '../metadata/state.js';
import type { RandomSource } from '../random-source.js';
import { migrateLegacyMetadataLog } from './legacy-log-migration.js';
import { LevelRaftStorage } from './level-raft-storage.js';
import { type MetadataCommand, MetadataStateMachine } from './metadata-state-machine.js';
import { type NotCoordinatorError, notCoordinatorError } from './not-coordinator-error.js';
import type { RaftConfig } from './raft-config.js';
import { RaftNode, type RaftStatus } from './raft-node.js';
import type { RaftTransport } from './raft-transport.js';
import type { TimerClock } from './timer-clock.js';

export interface RaftMetadataReplicaOptions {
  /** Where the voter's LevelDB lives (a wave-1 metadata log there is migrated first). */
  dataDir: string;
  nodeId: number;
  /** Every voter's id, this one included. */
  voters: readonly number[];
  config: RaftConfig;
  clock: TimerClock;
  random: RandomSource;
  transport: RaftTransport<MetadataCommand>;
  /**
   * A voter's address on a listener (undefined: the quorum listener's), for the leader hint of
   * NOT_COORDINATOR answers; undefined when it has none there.
   */
  voterAddress: (id: number, listenerName?: string) => string | undefined;
  logger: Logger;
}

/** What leadership listeners hear: this voter became a ready leader, or stopped being one. */
export type LeadershipListener = (leading: boolean) => void;

/** What every status listener hears, after each change of role, term or leader. */
export type StatusListener = (status: RaftStatus) => void;

/**
 * This coordinator's Raft voter with the metadata state machine on top: a
 * {@link MetadataReplica} the MetadataStore plans over. Leadership is reported once the new
 * leader's first entry (its no-op) has committed and been applied here, that is once its state
 * holds everything earlier leaders committed, and again when it steps down. Listeners run
 * after the Raft input that caused the change (never inside it).
 */
export class RaftMetadataReplica implements MetadataReplica {
  readonly nodeId: number;
  private readonly voterAddress: (id: number, listenerName?: string) => string | undefined;
  readonly node: RaftNode<MetadataCommand>;
  private readonly machine: MetadataStateMachine;
  private readonly leadershipListeners: LeadershipListener[] = [];
  private readonly statusListeners: StatusListener[] = [];
  private readonly commitListeners: Array<(latencyMs: number) => void> = [];
  private readonly clock: TimerClock;
  private readyLeader = false;
  private stopped = false;
  private readonly storage: LevelRaftStorage<MetadataCommand>;

  private constructor(
    options: RaftMetadataReplicaOptions,
    storage: LevelRaftStorage<MetadataCommand>,
    persisted: Awaited<ReturnType<LevelRaftStorage<MetadataCommand>['read']>>,
  ) {
    this.nodeId = options.nodeId;
    this.voterAddress = options.voterAddress;
    this.clock = options.clock;
    this.storage = storage;
    this.machine = new MetadataStateMachine();
    const { logger } = options;
    this.node = new RaftNode<MetadataCommand>({
      id: options.nodeId,
      voters: options.voters,
      config: options.config,
      clock: options.clock,
      random: options.random,
      transport: options.transport,
      storage,
      persisted,
      stateMachine: this.machine,
      onFatal: (error) => {
        this.stopped = true;
        logger.error(
          { err: error },
          'metadata storage failed: this coordinator stopped taking part in the quorum',
        );
        this.later(() => this.setReady(false));
      },
      onApplied: (entry) => {
        // The no-op of the leader's own term: everything committed before it is applied now.
        if (entry.command === null && this.node.role === 'leader' && entry.term === this.node.term) {
          this.later(() => this.setReady(this.node.role === 'leader' && entry.term === this.node.term));
        }
      },
      onStatusChange: (status) => {
        // One line per change of role, term or known leader: an election's timeline (pre-vote,
        // vote, leader) can be read from the voters' logs (docs/OPERATIONS.md's failover timeline).
        logger.info({ term: status.term, role: status.role, leaderId: status.leaderId ?? -1 }, 'quorum role');
        this.later(() => {
          if (status.role !== 'leader') this.setReady(false);
          for (const listener of this.statusListeners) listener(status);
        });
      },
    });
  }

  /**
   * Opens the voter's storage under `dataDir` (migrating a wave-1 metadata log), restores the
   * latest snapshot and starts the voter. Entries after the snapshot apply as they commit.
   */
  static async open(options: RaftMetadataReplicaOptions): Promise<RaftMetadataReplica> {
    await migrateLegacyMetadataLog(options.dataDir, options.voters.length, options.logger);
    const storage = await LevelRaftStorage.open<MetadataCommand>(options.dataDir);
    try {
      const persisted = await storage.read();
      const replica = new RaftMetadataReplica(options, storage, persisted);
      options.logger.info(
        {
          voterId: options.nodeId,
          voters: options.voters,
          term: persisted.term,
          snapshotIndex: persisted.snapshot?.index ?? 0,
          entries: persisted.entries.length,
          metadataVersion: replica.metadataVersion,
        },
        'metadata log opened',
      );
      replica.node.start();
      return replica;
    } catch (error) {
      await storage.close();
      throw error;
    }
  }

  get state(): MetadataState {
    return this.machine.state;
  }

  get metadataVersion(): number {
    return this.machine.metadataVersion;
  }

  get securityVersion(): number {
    return this.machine.securityVersion;
  }

  isReadyLeader(): boolean {
    return this.readyLeader && this.node.canServeReads();
  }

  append(records: readonly MetadataRecord[], done: (outcome: AppendOutcome) => void): void {
    const startedMs = this.clock.nowMs();
    this.node.propose([...records], (outcome) => {
      if (!outcome.ok) {
        done({
          ok: false,
          error: this.refusal(
            `coordinator ${this.nodeId} stopped leading before the entry committed (it may still commit under the next leader)`,
          ),
        });
        return;
      }
      const latencyMs = this.clock.nowMs() - startedMs;
      for (const listener of this.commitListeners) listener(latencyMs);
      done({ ok: true });
    });
  }

  /**
   * NOT_COORDINATOR naming the leader this voter knows, with its address on listener
   * `listenerName` (the one the refused call came in on) in the trailer.
   */
  notLeaderError(listenerName?: string): NotCoordinatorError {
    const reason = !this.node.running
      ? `coordinator ${this.nodeId} stopped taking part in the quorum`
      : this.node.leaderId === this.nodeId
        ? `coordinator ${this.nodeId} leads the quorum but has not caught up yet (or lost touch with a majority)`
        : `coordinator ${this.nodeId} is not the quorum leader`;
    return this.refusal(reason, listenerName);
  }

  /** NOT_COORDINATOR naming the leader this voter knows, if any. */
  private refusal(reason: string, listenerName?: string): NotCoordinatorError {
    // A voter that stopped (storage failure, shutdown) knows no leader any more; one handing
    // its leadership over sends clients to the voter taking over.
    const leader =
      this.stopped || !this.node.running ? null : (this.node.handOffTarget ?? this.node.leaderId);
    const address = leader === null ? undefined : this.voterAddress(leader, listenerName);
    // The message names the leader by id only: its address depends on the caller's listener,
    // and the trailer carries the right one (an error made without a call at hand is re-pointed).
    return notCoordinatorError(
      `${reason}; leader: ${leader === null ? (this.node.running ? 'unknown (an election is running)' : 'unknown') : `coordinator ${leader}`}`,
      leader ?? undefined,
      address,
    );
  }

  /** Calls `listener` each time this voter becomes a ready leader (true) or stops leading (false). */
  onLeadership(listener: LeadershipListener): void {
    this.leadershipListeners.push(listener);
  }

  /**
   * For a planned stop: hands this voter's leadership to another (RaftNode.handOffLeadership)
   * and resolves with the voter that took over once this one follows it, or undefined when it
   * did not lead, had nobody to hand over to, or nobody took over within `timeoutMs` (then the
   * others elect a leader as after a crash).
   */
  handOffLeadership(timeoutMs: number): Promise<number | undefined> {
    if (this.stopped || this.node.handOffLeadership() === null) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (leader: number | undefined) => {
        timer.cancel();
        const at = this.statusListeners.indexOf(listener);
        if (at >= 0) this.statusListeners.splice(at, 1);
        resolve(leader);
      };
      const listener: StatusListener = (status) => {
        if (status.leaderId !== null && status.leaderId !== this.nodeId) finish(status.leaderId);
      };
      const timer = this.clock.setTimer(timeoutMs, () => finish(undefined));
      this.statusListeners.push(listener);
    });
  }

  /** Calls `listener` after every change of role, term or known leader. */
  onStatus(listener: StatusListener): void {
    this.statusListeners.push(listener);
  }

  /** Calls `listener` with the time from append to commit of every entry this voter proposed. */
  onCommitted(listener: (latencyMs: number) => void): void {
    this.commitListeners.push(listener);
  }

  /** Stops the voter (pending appends fail), then closes its storage after the last fsync. */
  async close(): Promise<void> {
    this.stopped = true;
    this.node.stop();
    this.setReady(false);
    await this.storage.close();
  }

  private setReady(ready: boolean): void {
    if (ready === this.readyLeader) return;
    this.readyLeader = ready;
    for (const listener of this.leadershipListeners) listener(ready);
  }

  /** Runs `work` after the current Raft input: listeners may call back into the node. */
  private later(work: () => void): void {
    queueMicrotask(work);
  }
}
