import { ErrorCode } from '@fjord/protocol';
import { ScheduledJob } from '@fjord/server-kit';
import type { Logger } from 'pino';
import type { CoordinatorApi } from '../cluster/coordinator-client.js';
import type { HostedPartition, HostedReplicas } from '../cluster/hosted-replicas.js';
import type { LogStore } from '../log/store.js';
import type { BrokerAddress, BrokerClients } from './broker-clients.js';
import { LeaderState } from './leader-state.js';
import { ReplicaFetcher } from './replica-fetcher.js';
import { assignEpochStart } from './replica-log.js';

export interface ReplicationOptions {
  brokerId: number;
  store: LogStore;
  replicas: HostedReplicas;
  clients: BrokerClients;
  coordinator: CoordinatorApi;
  logger: Logger;
  /** The current broker epoch (null while not registered): AlterPartition carries it. */
  brokerEpoch: () => string | null;
  refreshMetadata: () => Promise<boolean>;
  /** A follower not caught up for this long leaves the ISR (Kafka's replica.lag.time.max.ms). */
  replicaLagTimeMaxMs: number;
  /** How long a follower fetch waits at the leader for new data. */
  replicaFetchWaitMaxMs: number;
  /** How often high watermarks are written to partition meta. */
  highWatermarkCheckpointIntervalMs: number;
  nowMs?: () => number;
}

interface Led {
  state: LeaderState;
  /** The partition this state was created for (topic id + log identify it). */
  log: HostedPartition['log'];
  unsubscribe: () => void;
}

const partitionKey = (p: { topicId: string; partition: number }) => `${p.topicId}/${p.partition}`;

/**
 * Replication on one broker (Kafka's ReplicaManager): as leader it tracks followers,
 * moves the high watermark to the smallest log end offset over the ISR, and asks the
 * coordinator to shrink or expand the ISR (AlterPartition, with the current leader and
 * partition epochs); as follower it runs one {@link ReplicaFetcher} per leader broker.
 * It reacts to every applied metadata change ({@link onMetadata}).
 */
export class ReplicationManager {
  private readonly led = new Map<string, Led>();
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly inFlight = new Set<string>();
  private readonly isrCheck: ScheduledJob;
  private readonly highWatermarkCheckpoint: ScheduledJob;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: ReplicationOptions) {
    this.now = options.nowMs ?? Date.now;
    const { logger, replicaLagTimeMaxMs, highWatermarkCheckpointIntervalMs } = options;
    this.isrCheck = new ScheduledJob({
      name: 'ISR check',
      // Twice per lag limit, so a lagging follower leaves the ISR at most half a limit late.
      intervalMs: Math.max(50, Math.floor(replicaLagTimeMaxMs / 2)),
      logger,
      run: async () => this.checkIsr(),
    });
    this.highWatermarkCheckpoint = new ScheduledJob({
      name: 'high watermark checkpoint',
      intervalMs: highWatermarkCheckpointIntervalMs,
      logger,
      run: () => this.checkpoint(),
    });
  }

  /** Starts the ISR check and the high-watermark checkpoint. */
  start(): void {
    this.isrCheck.start();
    this.highWatermarkCheckpoint.start();
  }

  /** Stops fetchers and the periodic jobs and checkpoints every high watermark. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.isrCheck.stop();
    await this.highWatermarkCheckpoint.stop();
    for (const fetcher of this.fetchers.values()) fetcher.stop();
    await Promise.all([...this.fetchers.values()].map((f) => f.done));
    for (const led of this.led.values()) led.unsubscribe();
    await this.checkpoint();
  }

  /** New broker addresses from the coordinator. */
  setBrokers(brokers: readonly BrokerAddress[]): void {
    this.options.clients.setBrokers(brokers);
  }

  /** Reconciles leader state and fetchers with the hosted replicas as they are now. */
  onMetadata(): void {
    if (this.stopped) return;
    const { brokerId, replicas } = this.options;
    const seen = new Set<string>();
    const leaders = new Set<number>();
    for (const p of replicas.all()) {
      const key = partitionKey(p);
      if (p.leader === brokerId) {
        seen.add(key);
        this.becomeLeader(key, p);
      } else if (p.leader >= 0 && p.replicas.includes(brokerId)) {
        leaders.add(p.leader);
      }
    }
    for (const [key, led] of this.led) {
      if (seen.has(key)) continue;
      led.unsubscribe();
      this.led.delete(key);
      // Waiting acks=all requests must see the leadership loss now, not at their timeout.
      led.log.wake();
    }
    for (const leader of leaders) {
      const fetcher = this.fetchers.get(leader);
      if (fetcher?.running) continue;
      this.fetchers.set(
        leader,
        new ReplicaFetcher(leader, {
          brokerId,
          store: this.options.store,
          replicas,
          clients: this.options.clients,
          logger: this.options.logger,
          refreshMetadata: this.options.refreshMetadata,
          fetchMaxWaitMs: this.options.replicaFetchWaitMaxMs,
        }),
      );
    }
    for (const p of replicas.all()) if (p.leader === brokerId) this.updateHighWatermark(p);
  }

  /**
   * A follower fetched `fetchOffset` (its log end) of a partition this broker leads: updates
   * its progress, the high watermark, and asks for an ISR expansion when it caught up.
   */
  onFollowerFetch(hosted: HostedPartition, replicaId: number, fetchOffset: bigint): void {
    const led = this.led.get(partitionKey(hosted));
    if (!led || led.state.leaderEpoch !== hosted.leaderEpoch) return;
    const now = this.now();
    led.state.recordFetch(replicaId, fetchOffset, hosted.log.logEndOffset, now);
    this.updateHighWatermark(hosted);
    if (!hosted.isr.includes(replicaId) && led.state.pendingIsr === null) {
      const epochStart =
        hosted.log.leaderEpochCache.find(([epoch]) => epoch === hosted.leaderEpoch)?.[1] ?? 0n;
      if (
        led.state.canJoinIsr(
          replicaId,
          hosted.log.highWatermark,
          epochStart,
          now,
          this.options.replicaLagTimeMaxMs,
        )
      ) {
        this.alterIsr(hosted, led, [...hosted.isr, replicaId], 'caught up');
      }
    }
  }

  private becomeLeader(key: string, p: HostedPartition): void {
    const existing = this.led.get(key);
    if (existing && existing.state.leaderEpoch === p.leaderEpoch && existing.log === p.log) return;
    existing?.unsubscribe();
    const state = new LeaderState(this.options.brokerId, p.leaderEpoch, p.replicas, p.isr, this.now());
    const unsubscribe = p.log.onAppend(() => {
      const current = this.options.replicas.get(p.topic, p.partition);
      if (current && current.log === p.log && current.leader === this.options.brokerId)
        this.updateHighWatermark(current);
    });
    this.led.set(key, { state, log: p.log, unsubscribe });
    this.options.logger.info(
      { topic: p.topic, partition: p.partition, leaderEpoch: p.leaderEpoch, isr: p.isr },
      'became leader',
    );
    if (p.replicas.length > 1) {
      assignEpochStart(this.options.store, p.log, p.leaderEpoch).catch((error: unknown) =>
        this.options.logger.error(
          { err: error, topic: p.topic, partition: p.partition },
          'recording epoch start failed',
        ),
      );
    }
  }

  private updateHighWatermark(p: HostedPartition): void {
    if (!p.log.isReplicated) return;
    const led = this.led.get(partitionKey(p));
    if (!led || led.state.leaderEpoch !== p.leaderEpoch) return;
    const hw = led.state.highWatermark(p.isr, p.log.logEndOffset, p.config['min.insync.replicas']);
    // The watermark never moves back on a leader.
    if (hw !== null && hw > p.log.highWatermark) p.log.setHighWatermark(hw);
  }

  private checkIsr(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const p of this.options.replicas.all()) {
      if (p.leader !== this.options.brokerId || p.replicas.length < 2) continue;
      const led = this.led.get(partitionKey(p));
      if (!led || led.state.leaderEpoch !== p.leaderEpoch || led.state.pendingIsr !== null) continue;
      const lagging = led.state.laggingMembers(p.isr, now, this.options.replicaLagTimeMaxMs);
      if (lagging.length === 0) continue;
      this.alterIsr(
        p,
        led,
        p.isr.filter((id) => !lagging.includes(id)),
        `lagging: ${lagging.join(',')}`,
      );
    }
  }

  private alterIsr(p: HostedPartition, led: Led, newIsr: number[], reason: string): void {
    const brokerEpoch = this.options.brokerEpoch();
    const key = partitionKey(p);
    if (brokerEpoch === null || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    led.state.pendingIsr = newIsr;
    const { logger, coordinator } = this.options;
    logger.info(
      { topic: p.topic, partition: p.partition, isr: p.isr, newIsr, reason },
      'asking for ISR change',
    );
    coordinator
      .alterPartition({
        brokerId: this.options.brokerId,
        brokerEpoch,
        partitions: [
          {
            topicId: p.topicId,
            partition: p.partition,
            leaderEpoch: p.leaderEpoch,
            partitionEpoch: p.partitionEpoch,
            newIsr,
          },
        ],
      })
      .then(
        (response) => {
          const result = response.partitions[0];
          if (response.errorCode !== ErrorCode.NONE || !result) {
            logger.warn(
              { errorCode: response.errorCode, error: response.errorMessage },
              'ISR change refused',
            );
            void this.options.refreshMetadata();
            return;
          }
          if (result.errorCode !== ErrorCode.NONE) {
            logger.warn(
              {
                topic: p.topic,
                partition: p.partition,
                errorCode: result.errorCode,
                error: result.errorMessage,
              },
              'ISR change refused',
            );
            void this.options.refreshMetadata();
            return;
          }
          const updated = this.options.replicas.updatePartition(p.topic, p.partition, {
            leader: result.leader,
            leaderEpoch: result.leaderEpoch,
            partitionEpoch: result.partitionEpoch,
            isr: result.isr,
          });
          logger.info({ topic: p.topic, partition: p.partition, isr: result.isr }, 'ISR changed');
          if (updated) {
            led.state.pendingIsr = null;
            this.updateHighWatermark(updated);
            updated.log.wake();
          }
        },
        (error: unknown) => {
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'ISR change failed; coordinator unreachable',
          );
        },
      )
      .finally(() => {
        led.state.pendingIsr = null;
        this.inFlight.delete(key);
      });
  }

  private async checkpoint(): Promise<void> {
    for (const p of this.options.replicas.all()) {
      if (!p.log.isReplicated) continue;
      await p.log
        .checkpointHighWatermark()
        .catch((error: unknown) =>
          this.options.logger.warn(
            { err: error, topic: p.topic, partition: p.partition },
            'high watermark checkpoint failed',
          ),
        );
    }
  }
}
