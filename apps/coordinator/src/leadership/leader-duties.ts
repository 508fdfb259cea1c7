import { createScramCredential, scramMechanism, toScramCredentialRecord } from '@fjord/security';
import type { Logger, ScramUserToAdd } from '@fjord/server-kit';
import type { LeaderRebalancer } from '../election/leader-rebalancer.js';
import { type GroupCoordinator, restoreGroupSessions } from '../groups/group-coordinator.js';
import type { BrokerSessions } from '../liveness/broker-sessions.js';
import type { LivenessMonitor } from '../liveness/liveness-monitor.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { Proposal } from '../metadata/proposal.js';
import { metadataRecord } from '../metadata/records.js';
import { scramCredentialOf, securityOf } from '../metadata/security-state.js';
import { liveBrokerIds } from '../metadata/state.js';
import type { ProducerIdAllocator } from '../producers/producer-id-allocator.js';
import type { RandomSource } from '../random-source.js';

export interface LeaderDutiesOptions {
  store: MetadataStore;
  sessions: BrokerSessions;
  liveness: LivenessMonitor;
  rebalancer: LeaderRebalancer;
  groups: GroupCoordinator;
  producerIds: ProducerIdAllocator;
  /** `--add-scram`: credentials to create when their user has none for that mechanism. */
  bootstrapScram?: readonly ScramUserToAdd[];
  random: RandomSource;
  logger: Logger;
}

/**
 * What only the quorum leader does, started when this coordinator becomes a ready leader and
 * stopped when it steps down: it initialises the cluster id on the very first election (and
 * creates the `--add-scram` credentials that do not exist yet), gives
 * every live broker and every group member a fresh session (one timeout of grace, as after a
 * restart: sessions are in memory, not in the log), and runs the liveness check, the group
 * check and preferred leader election. On stepping down it stops them, answers every held
 * group heartbeat and classic join or sync (so members look for the new leader now, not at
 * the end of their hold), forgets classic membership and drops the rest of its producer-id
 * block. Transitions run one at a time, in order.
 */
export class LeaderDuties {
  private readonly options: LeaderDutiesOptions;
  private transitions: Promise<void> = Promise.resolve();
  /** Bumped on every leadership change, so a start overtaken by a step-down does not finish. */
  private generation = 0;
  private running = false;
  private stopped = false;
  private servingWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(options: LeaderDutiesOptions) {
    this.options = options;
  }

  /** True once the duties of the current leadership are running: RPCs may be served. */
  get serving(): boolean {
    return this.running && this.options.store.leading;
  }

  /**
   * Resolves once the duties of a leadership are running (a lone voter's, right after start);
   * rejects if a leadership could not start them (a lone voter's storage failed).
   */
  whenServing(): Promise<void> {
    if (this.running) return Promise.resolve();
    return new Promise((resolve, reject) => this.servingWaiters.push({ resolve, reject }));
  }

  /** Follows a leadership change (true: became a ready leader; false: stepped down). */
  leadershipChanged(leading: boolean): void {
    const generation = ++this.generation;
    this.transitions = this.transitions.then(() =>
      leading ? this.start(generation) : this.stop('stepped down as quorum leader'),
    );
  }

  /** Stops the duties for good (shutdown); waits for running passes. */
  async close(): Promise<void> {
    this.stopped = true;
    this.generation++;
    await this.transitions;
    await this.stop('coordinator stopping');
  }

  private async start(generation: number): Promise<void> {
    const { store, sessions, liveness, rebalancer, groups, random, logger } = this.options;
    if (this.stopped || generation !== this.generation) return;
    try {
      await store.propose((proposal) => {
        if (proposal.state.clusterId === null) {
          proposal.append(metadataRecord({ type: 'InitCluster', clusterId: random.uuid() }));
        }
        this.addBootstrapScram(proposal);
      });
    } catch (error) {
      // Lost the leadership meanwhile: the next transition follows.
      logger.warn({ err: error }, 'could not start leading');
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const waiter of this.servingWaiters.splice(0)) waiter.reject(failure);
      return;
    }
    if (this.stopped || generation !== this.generation) return;
    sessions.clear();
    for (const brokerId of liveBrokerIds(store.state)) {
      sessions.restore(brokerId, store.state.brokers[String(brokerId)]!.incarnationId);
    }
    restoreGroupSessions(groups.sessions, store.state);
    liveness.start();
    rebalancer.start();
    groups.monitor.start();
    this.running = true;
    for (const waiter of this.servingWaiters.splice(0)) waiter.resolve();
    logger.info(
      { clusterId: store.state.clusterId, metadataVersion: store.metadataVersion },
      'leading the coordinator quorum',
    );
  }

  /**
   * `--add-scram`, on taking office: each credential whose user has none for its mechanism yet
   * (so a restart does not undo a password changed since), in the leadership's first proposal.
   */
  private addBootstrapScram(proposal: Proposal): void {
    for (const { username, mechanism, password, iterations } of this.options.bootstrapScram ?? []) {
      if (scramCredentialOf(securityOf(proposal.state), username, mechanism)) continue;
      // Salted here (a random salt), so the password never reaches the log.
      const credential = createScramCredential(scramMechanism(mechanism), password.reveal(), { iterations });
      proposal.append(
        metadataRecord({ type: 'UserScramCredential', ...toScramCredentialRecord(username, credential) }),
      );
      proposal.afterCommit(() =>
        this.options.logger.info({ user: username, mechanism }, 'SCRAM credential created from --add-scram'),
      );
    }
  }

  private async stop(why: string): Promise<void> {
    const { liveness, rebalancer, groups, producerIds, sessions, logger } = this.options;
    const wasRunning = this.running;
    this.running = false;
    groups.waiters.releaseAll();
    groups.classic.dissolveAll('left: the coordinator stopped leading the quorum');
    await Promise.all([liveness.stop(), rebalancer.stop(), groups.monitor.stop()]);
    producerIds.reset();
    sessions.clear();
    groups.sessions.clear();
    if (wasRunning) logger.info({ reason: why }, 'leader duties stopped');
  }
}
