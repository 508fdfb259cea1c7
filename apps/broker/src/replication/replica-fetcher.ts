import { ErrorCode, type v1 } from '@fjord/protocol';
import type { Logger } from 'pino';
import type { HostedPartition, HostedReplicas } from '../cluster/hosted-replicas.js';
import type { LogStore } from '../log/store.js';
import { type BrokerClients, callUnary } from './broker-clients.js';
import { appendAsFollower, truncateTo, truncationOffset } from './replica-log.js';

/** What a fetcher needs from the broker. */
export interface ReplicaFetcherDeps {
  brokerId: number;
  store: LogStore;
  replicas: HostedReplicas;
  clients: BrokerClients;
  logger: Logger;
  /** Asks the coordinator for fresh metadata (a leader refused our epoch). */
  refreshMetadata: () => Promise<boolean>;
  fetchMaxWaitMs: number;
}

const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const PARTITION_MAX_BYTES = 4 * 1024 * 1024;
const BACKOFF_MS = 200;

const key = (p: HostedPartition) => `${p.topicId}/${p.partition}`;

/**
 * Replicates every partition this broker follows from one leader broker: one Fetch per
 * round covering all of them, naming our replica id and each partition's current leader
 * epoch. After every leader-epoch change a partition first truncates its log to where it
 * agrees with the leader (OffsetForLeaderEpoch, KIP-101; KAFKA-7164: after every change,
 * not only the first), then fetches from its log end. Batches are stored byte for byte.
 * The loop ends by itself once no partition follows this leader any more.
 */
export class ReplicaFetcher {
  /** Leader epoch each partition last truncated for. */
  private readonly truncatedFor = new Map<string, number>();
  private stopped = false;
  readonly done: Promise<void>;

  constructor(
    readonly leaderId: number,
    private readonly deps: ReplicaFetcherDeps,
  ) {
    this.done = this.run().catch((error: unknown) => {
      deps.logger.error({ err: error, leader: leaderId }, 'replica fetcher stopped unexpectedly');
    });
  }

  /** Asks the loop to end after the current round. */
  stop(): void {
    this.stopped = true;
  }

  get running(): boolean {
    return !this.stopped;
  }

  private followed(): HostedPartition[] {
    const { brokerId, replicas } = this.deps;
    return replicas
      .all()
      .filter(
        (p) =>
          p.leader === this.leaderId &&
          p.leader !== brokerId &&
          p.replicas.includes(brokerId) &&
          !p.log.isDeleted,
      );
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const partitions = this.followed();
      if (partitions.length === 0) {
        this.stopped = true;
        break;
      }
      const client = this.deps.clients.client(this.leaderId);
      if (!client) {
        await this.deps.refreshMetadata();
        await sleep(BACKOFF_MS);
        continue;
      }
      try {
        const stale = partitions.filter((p) => this.truncatedFor.get(key(p)) !== p.leaderEpoch);
        if (stale.length > 0) await this.truncate(client, stale);
        const ready = partitions.filter((p) => this.truncatedFor.get(key(p)) === p.leaderEpoch);
        if (ready.length === 0) {
          await sleep(BACKOFF_MS);
          continue;
        }
        await this.fetchOnce(client, ready);
      } catch (error) {
        this.deps.logger.debug(
          { err: error instanceof Error ? error.message : String(error), leader: this.leaderId },
          'replica fetch failed; retrying',
        );
        await sleep(BACKOFF_MS);
      }
    }
  }

  /**
   * Truncates each partition to where its log agrees with the leader's, in as many
   * OffsetForLeaderEpoch rounds as that takes (KIP-279); a round that cut to an intermediate
   * offset asks again at once with the follower's new latest epoch.
   */
  private async truncate(client: v1.BrokerServiceClient, partitions: HostedPartition[]): Promise<void> {
    let pending = partitions;
    // Every intermediate round drops at least one epoch from the follower's cache, so this ends.
    while (pending.length > 0 && !this.stopped) pending = await this.truncateRound(client, pending);
  }

  /** One OffsetForLeaderEpoch round; returns the partitions that need another. */
  private async truncateRound(
    client: v1.BrokerServiceClient,
    partitions: HostedPartition[],
  ): Promise<HostedPartition[]> {
    const { brokerId, store, logger } = this.deps;
    const again: HostedPartition[] = [];
    // A log without epochs has nothing that could disagree with the leader.
    const asking = partitions.filter((p) => {
      if (p.log.leaderEpochCache.length > 0) return true;
      this.truncatedFor.set(key(p), p.leaderEpoch);
      return false;
    });
    if (asking.length === 0) return again;
    const byTopic = groupByTopic(asking);
    const response = await callUnary<v1.OffsetForLeaderEpochRequest, v1.OffsetForLeaderEpochResponse__Output>(
      client,
      'offsetForLeaderEpoch',
      {
        replicaId: brokerId,
        topics: [...byTopic].map(([topic, list]) => ({
          topic,
          partitions: list.map((p) => ({
            partition: p.partition,
            currentLeaderEpoch: p.leaderEpoch,
            leaderEpoch: p.log.leaderEpochCache.at(-1)![0],
          })),
        })),
      },
      5_000,
    );
    for (const topic of response.topics) {
      for (const result of topic.partitions) {
        const asked = asking.find((p) => p.topic === topic.topic && p.partition === result.partition);
        const current = this.deps.replicas.get(topic.topic, result.partition);
        if (!asked || !current || current.leaderEpoch !== asked.leaderEpoch || current.log !== asked.log)
          continue;
        if (result.errorCode !== ErrorCode.NONE) {
          await this.onPartitionError(asked, result.errorCode, result.errorMessage);
          continue;
        }
        const log = asked.log;
        const step = truncationOffset(log.leaderEpochCache, log.logEndOffset, log.highWatermark, {
          epoch: result.leaderEpoch,
          endOffset: BigInt(result.endOffset),
        });
        // biome-ignore lint/complexity/useMathMinMax: bigint operands (Math.min takes numbers)
        const offset = step.offset < log.logStartOffset ? log.logStartOffset : step.offset;
        if (!step.complete) {
          await truncateTo(store, log, offset);
          logger.info(
            {
              topic: asked.topic,
              partition: asked.partition,
              to: String(offset),
              leaderEpoch: asked.leaderEpoch,
            },
            'truncated to the end of an epoch the leader does not have; asking again',
          );
          again.push(asked);
          continue;
        }
        if (offset < log.logEndOffset) {
          const before = log.logEndOffset;
          await truncateTo(store, log, offset);
          logger.info(
            {
              topic: asked.topic,
              partition: asked.partition,
              from: String(before),
              to: String(offset),
              leaderEpoch: asked.leaderEpoch,
            },
            'truncated diverging log suffix',
          );
        }
        this.truncatedFor.set(key(asked), asked.leaderEpoch);
      }
    }
    return again;
  }

  private async fetchOnce(client: v1.BrokerServiceClient, partitions: HostedPartition[]): Promise<void> {
    const { brokerId, store, logger, fetchMaxWaitMs } = this.deps;
    const byTopic = groupByTopic(partitions);
    const asked = new Map(
      partitions.map((p) => [`${p.topic}/${p.partition}`, { p, offset: p.log.logEndOffset }]),
    );
    const response = await callUnary<v1.FetchRequest, v1.FetchResponse__Output>(
      client,
      'fetch',
      {
        replicaId: brokerId,
        maxWaitMs: fetchMaxWaitMs,
        minBytes: 1,
        maxBytes: FETCH_MAX_BYTES,
        topics: [...byTopic].map(([topic, list]) => ({
          topic,
          partitions: list.map((p) => ({
            partition: p.partition,
            fetchOffset: p.log.logEndOffset.toString(),
            partitionMaxBytes: PARTITION_MAX_BYTES,
            currentLeaderEpoch: p.leaderEpoch,
          })),
        })),
      },
      fetchMaxWaitMs + 5_000,
    );
    for (const topic of response.topics) {
      for (const result of topic.partitions) {
        const entry = asked.get(`${topic.topic}/${result.partition}`);
        if (!entry) continue;
        const { p } = entry;
        const current = this.deps.replicas.get(p.topic, p.partition);
        // Leadership moved while the fetch was out: the answer belongs to an old epoch.
        if (
          !current ||
          current.leaderEpoch !== p.leaderEpoch ||
          current.leader !== this.leaderId ||
          current.log !== p.log
        ) {
          continue;
        }
        if (result.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          const leaderStart = BigInt(result.logStartOffset);
          if (leaderStart >= 0n && entry.offset < leaderStart) {
            // Retention on the leader removed what we lack: start over at its log start.
            await truncateTo(store, p.log, leaderStart, leaderStart);
            logger.warn(
              { topic: p.topic, partition: p.partition, logStartOffset: String(leaderStart) },
              'follower log restarted at the leader log start',
            );
          } else {
            this.truncatedFor.delete(key(p));
          }
          continue;
        }
        if (result.errorCode !== ErrorCode.NONE) {
          await this.onPartitionError(p, result.errorCode, result.errorMessage);
          continue;
        }
        const records = result.records as Buffer;
        if (records.length > 0 && p.log.logEndOffset === entry.offset) {
          await appendAsFollower(store, p.log, records);
        }
        const leaderHw = BigInt(result.highWatermark);
        const hw = leaderHw < p.log.logEndOffset ? leaderHw : p.log.logEndOffset;
        if (hw > p.log.highWatermark) p.log.setHighWatermark(hw);
      }
    }
  }

  private async onPartitionError(p: HostedPartition, errorCode: number, message: string): Promise<void> {
    this.deps.logger.debug(
      { topic: p.topic, partition: p.partition, errorCode, error: message },
      'replica fetch refused',
    );
    if (
      errorCode === ErrorCode.FENCED_LEADER_EPOCH ||
      errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER ||
      errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    ) {
      await this.deps.refreshMetadata();
    }
    await sleep(BACKOFF_MS);
  }
}

function groupByTopic(partitions: readonly HostedPartition[]): Map<string, HostedPartition[]> {
  const byTopic = new Map<string, HostedPartition[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
  return byTopic;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
