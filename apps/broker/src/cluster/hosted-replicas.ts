import { parseTopicConfig, TOPIC_CONFIG_NAMES, type TopicConfig, type v1 } from '@fjord/protocol';
import type { Logger } from 'pino';
import { KeyKind, parseMetaKey, prefixUpperBound, topicIdFromBytes } from '../log/keys.js';
import { DEFAULT_DELETION_CHUNK_KEYS, deletePartitionData } from '../log/partition-deletion.js';
import { PartitionLog } from '../log/partition-log.js';
import type { LogStore } from '../log/store.js';

/** A partition replica this broker hosts, with the coordinator's view of it. */
export interface HostedPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
  readonly config: TopicConfig;
  readonly log: PartitionLog;
}

/** The subset of a HostedReplica message this registry needs (the wire type fits). */
export type ReplicaAssignment = Pick<
  v1.HostedReplica__Output,
  | 'topic'
  | 'topicId'
  | 'partition'
  | 'leader'
  | 'leaderEpoch'
  | 'replicas'
  | 'isr'
  | 'partitionEpoch'
  | 'configs'
>;

/**
 * A listed replica whose stored state could not be loaded (undecodable meta, a failed read):
 * not served (KAFKA_STORAGE_ERROR) and its data kept for inspection, while every other
 * partition goes on. It stays offline until the broker restarts or the replica is removed.
 */
export interface OfflinePartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  /** Why it could not be loaded. */
  readonly reason: string;
}

/** Options of {@link HostedReplicas}. */
export interface HostedReplicasOptions {
  /** Keys deleted per write-queue turn when a replica's data is deleted (partition-deletion.ts). */
  deletionChunkKeys?: number;
}

const replicaId = (topicId: string, partition: number) => `${topicId}/${partition}`;

/**
 * The replicas this broker hosts, by topic name and partition, as last told by the
 * coordinator. {@link HostedReplicas.apply} takes the complete list: new replicas are
 * loaded from storage, existing ones keep their in-memory log (pending writes and all),
 * and replicas no longer listed are dropped and their data deleted (a deleted topic never
 * comes back: a recreated one has a new topic id).
 */
export class HostedReplicas {
  private byTopic = new Map<string, Map<number, HostedPartition>>();
  private offlineById = new Map<string, OfflinePartition>();
  private applied = false;
  private applying: Promise<void> = Promise.resolve();
  private readonly deletions = new Set<Promise<void>>();

  constructor(
    private readonly store: LogStore,
    private readonly logger: Logger,
    private readonly options: HostedReplicasOptions = {},
  ) {}

  /** True after the first successful {@link apply}; until then nothing is served. */
  get hasMetadata(): boolean {
    return this.applied;
  }

  /** The hosted partitions of `topic` (by name), or undefined when the topic is not hosted. */
  topic(topic: string): ReadonlyMap<number, HostedPartition> | undefined {
    return this.byTopic.get(topic);
  }

  /** One hosted partition, or undefined. */
  get(topic: string, partition: number): HostedPartition | undefined {
    return this.byTopic.get(topic)?.get(partition);
  }

  /** Every hosted partition. */
  all(): HostedPartition[] {
    return [...this.byTopic.values()].flatMap((partitions) => [...partitions.values()]);
  }

  /** Listed replicas that could not be loaded from storage ({@link OfflinePartition}). */
  offline(): OfflinePartition[] {
    return [...this.offlineById.values()];
  }

  /** The offline replica (topic by name, partition), or undefined when it is not offline. */
  offlinePartition(topic: string, partition: number): OfflinePartition | undefined {
    for (const offline of this.offlineById.values()) {
      if (offline.topic === topic && offline.partition === partition) return offline;
    }
    return undefined;
  }

  /** Applies the complete list of hosted replicas; calls are serialized. */
  apply(assignments: readonly ReplicaAssignment[]): Promise<void> {
    const run = this.applying.then(() => this.applyNow(assignments));
    this.applying = run.catch(() => undefined);
    return run;
  }

  /**
   * Applies an ISR change the coordinator accepted (AlterPartition answer) to one partition,
   * unless newer metadata arrived meanwhile. Returns the partition as it is afterwards.
   */
  updatePartition(
    topic: string,
    partition: number,
    change: Pick<HostedPartition, 'leader' | 'leaderEpoch' | 'isr' | 'partitionEpoch'>,
  ): HostedPartition | undefined {
    const known = this.byTopic.get(topic)?.get(partition);
    if (!known || !isNewer(change, known)) return known;
    const updated: HostedPartition = { ...known, ...change, isr: [...change.isr] };
    this.byTopic.get(topic)!.set(partition, updated);
    return updated;
  }

  /** Resolves when every data deletion started so far has finished (for tests and shutdown). */
  async whenDeletionsDone(): Promise<void> {
    await Promise.all([...this.deletions]);
  }

  private async applyNow(assignments: readonly ReplicaAssignment[]): Promise<void> {
    const current = new Map(this.all().map((p) => [replicaId(p.topicId, p.partition), p]));
    const next = new Map<string, Map<number, HostedPartition>>();
    const nextOffline = new Map<string, OfflinePartition>();
    const configs = new Map<string, TopicConfig>();
    for (const assignment of assignments) {
      const key = replicaId(assignment.topicId, assignment.partition);
      const offline = this.offlineById.get(key);
      if (offline) {
        nextOffline.set(key, { ...offline, topic: assignment.topic });
        continue;
      }
      const log = current.get(key)?.log ?? (await this.loadOrTakeOffline(assignment, nextOffline));
      if (!log) continue;
      // Before the partition is published: a replicated log's high watermark moves only
      // through replication, so nothing appended meanwhile is committed by the leader alone.
      log.setReplicated(assignment.replicas.length > 1);
      let config = configs.get(assignment.topicId);
      if (!config) {
        config = this.parseConfig(assignment);
        configs.set(assignment.topicId, config);
      }
      log.setProducerIdExpirationMs(config['producer.id.expiration.ms']);
      // An AlterPartition answer may have taught us a newer partition epoch than a heartbeat
      // answer computed before it; never step back.
      const known = current.get(key);
      const newer = known !== undefined && isNewer(known, assignment);
      const hosted: HostedPartition = {
        topic: assignment.topic,
        topicId: assignment.topicId,
        partition: assignment.partition,
        leader: newer ? known.leader : assignment.leader,
        leaderEpoch: newer ? known.leaderEpoch : assignment.leaderEpoch,
        replicas: [...assignment.replicas],
        isr: newer ? [...known.isr] : [...assignment.isr],
        partitionEpoch: newer ? known.partitionEpoch : assignment.partitionEpoch,
        config,
        log,
      };
      let partitions = next.get(assignment.topic);
      if (!partitions) {
        partitions = new Map();
        next.set(assignment.topic, partitions);
      }
      partitions.set(assignment.partition, hosted);
    }
    const listed = new Set(assignments.map((a) => replicaId(a.topicId, a.partition)));
    const firstApply = !this.applied;
    const droppedOffline = [...this.offlineById].filter(([key]) => !listed.has(key));
    this.byTopic = next;
    this.offlineById = nextOffline;
    this.applied = true;
    for (const [, offline] of droppedOffline) {
      this.logger.info(
        { topic: offline.topic, topicId: offline.topicId, partition: offline.partition },
        'offline replica removed',
      );
      this.startDeletion(offline.topicId, offline.partition);
    }
    for (const [key, hosted] of current) {
      if (listed.has(key)) continue;
      hosted.log.markDeleted();
      this.logger.info(
        { topic: hosted.topic, topicId: hosted.topicId, partition: hosted.partition },
        'replica removed',
      );
      this.startDeletion(hosted.topicId, hosted.partition);
    }
    // Topics deleted while this broker was down exist only on disk; find them once.
    if (firstApply) await this.deleteUnlistedStoredPartitions(listed);
  }

  /**
   * Loads a new replica's log; when its stored state cannot be read, logs it and records it
   * in `offline` instead, so one bad partition does not fail the whole apply.
   */
  private async loadOrTakeOffline(
    assignment: ReplicaAssignment,
    offline: Map<string, OfflinePartition>,
  ): Promise<PartitionLog | undefined> {
    try {
      return await PartitionLog.load(this.store, assignment.topicId, assignment.partition);
    } catch (error) {
      const { topic, topicId, partition } = assignment;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error(
        { err: error, topic, topicId, partition },
        'partition taken offline: its stored state cannot be loaded',
      );
      offline.set(replicaId(topicId, partition), { topic, topicId, partition, reason });
      return undefined;
    }
  }

  private parseConfig(assignment: ReplicaAssignment): TopicConfig {
    try {
      return parseTopicConfig(assignment.configs);
    } catch (error) {
      // A newer coordinator may know configs this broker does not; keep the ones we know.
      const known = Object.fromEntries(
        Object.entries(assignment.configs).filter(([name]) =>
          (TOPIC_CONFIG_NAMES as string[]).includes(name),
        ),
      );
      this.logger.warn({ topic: assignment.topic, err: error }, 'topic config not fully understood');
      try {
        return parseTopicConfig(known);
      } catch {
        return parseTopicConfig({});
      }
    }
  }

  private async deleteUnlistedStoredPartitions(listed: ReadonlySet<string>): Promise<void> {
    const metaStart = Buffer.from([KeyKind.Meta]);
    const stored: Array<{ topicId: string; partition: number }> = [];
    for await (const key of this.store.db.keys({ gte: metaStart, lt: prefixUpperBound(metaStart) })) {
      const { topicId, partition } = parseMetaKey(key);
      stored.push({ topicId: topicIdFromBytes(topicId), partition });
    }
    for (const { topicId, partition } of stored) {
      if (listed.has(replicaId(topicId, partition))) continue;
      this.logger.info({ topicId, partition }, 'deleting data of a replica no longer hosted');
      this.startDeletion(topicId, partition);
    }
  }

  private startDeletion(topicId: string, partition: number): void {
    const chunkKeys = this.options.deletionChunkKeys ?? DEFAULT_DELETION_CHUNK_KEYS;
    const deletion = deletePartitionData(this.store, topicId, partition, chunkKeys)
      .catch((error: unknown) => {
        this.logger.error({ err: error, topicId, partition }, 'deleting replica data failed');
      })
      .finally(() => this.deletions.delete(deletion));
    this.deletions.add(deletion);
  }
}

/** True when `a` is a later version of a partition than `b` (leader epoch, then partition epoch). */
function isNewer(
  a: { leaderEpoch: number; partitionEpoch: number },
  b: { leaderEpoch: number; partitionEpoch: number },
): boolean {
  return (
    a.leaderEpoch > b.leaderEpoch || (a.leaderEpoch === b.leaderEpoch && a.partitionEpoch > b.partitionEpoch)
  );
}
