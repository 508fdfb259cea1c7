import type { v1 } from '@fjord/protocol';
import type { Cluster } from '../cluster/metadata.js';
import { fetchCommitted, fromWire, throwIfError } from '../consumer/group/group-client.js';
import { InvalidArgumentError } from '../errors.js';
import type { TopicPartition } from '../topic-partition.js';
import type { Admin, OffsetSpec } from './admin.js';
import type { ElectionRetry } from './election-retry.js';

/** A group in {@link Admin.listGroups}. */
export interface GroupListing {
  groupId: string;
  /** `Empty` (no members), `Reconciling` (partitions moving) or `Stable`. */
  state: string;
  members: number;
}

/** A member in {@link GroupDescription}. */
export interface GroupMemberDescription {
  memberId: string;
  /** Static member id, if any. */
  instanceId?: string;
  memberEpoch: number;
  subscribedTopics: string[];
  subscribedRegex?: string;
  /** Partitions the member owns now. */
  assignment: TopicPartition[];
  /** Partitions the assignor wants it to own (differs while reconciling). */
  targetAssignment: TopicPartition[];
}

/** What {@link Admin.describeGroup} returns. */
export interface GroupDescription {
  groupId: string;
  state: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignor: string;
  members: GroupMemberDescription[];
}

/** A partition in {@link Admin.listGroupOffsets}. */
export interface GroupPartitionOffset extends TopicPartition {
  /** Committed offset (the next record the group reads). */
  offset: bigint;
  /** The partition's high watermark now. */
  logEndOffset: bigint;
  /** logEndOffset - offset (0 when the commit is at or past the end). */
  lag: bigint;
}

/** Where {@link Admin.resetGroupOffsets} moves a group: per topic, a spec or explicit offsets. */
export type GroupOffsetReset = { topic: string } & (
  | { to: OffsetSpec }
  | { offsets: Array<{ partition: number; offset: bigint }> }
);

/** @internal Group operations of the admin client. */
export class GroupAdmin {
  constructor(
    private readonly cluster: Cluster,
    private readonly admin: Admin,
    private readonly throughElections: ElectionRetry,
  ) {}

  async listGroups(): Promise<GroupListing[]> {
    const response = await this.throughElections(() =>
      this.cluster.groups<v1.ListGroupsResponse__Output>(
        (client) => (metadata, options, callback) => client.listGroups({}, metadata, options, callback),
      ),
    );
    return response.groups.map((g) => ({ groupId: g.groupId, state: g.state, members: g.members }));
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    assertGroupId(groupId);
    const r = await this.throughElections(() =>
      this.cluster.groups<v1.DescribeGroupResponse__Output>(
        (client) => (metadata, options, callback) =>
          client.describeGroup({ groupId }, metadata, options, callback),
      ),
    );
    throwIfError(r);
    return {
      groupId: r.groupId,
      state: r.state,
      groupEpoch: r.groupEpoch,
      assignmentEpoch: r.assignmentEpoch,
      assignor: r.assignor,
      members: r.members.map((m) => ({
        memberId: m.memberId,
        ...(m.instanceId ? { instanceId: m.instanceId } : {}),
        memberEpoch: m.memberEpoch,
        subscribedTopics: m.subscribedTopicNames,
        ...(m.subscribedTopicRegex ? { subscribedRegex: m.subscribedTopicRegex } : {}),
        assignment: fromWire(m.assignment),
        targetAssignment: fromWire(m.targetAssignment),
      })),
    };
  }

  async listGroupOffsets(groupId: string): Promise<GroupPartitionOffset[]> {
    assertGroupId(groupId);
    const committed = await this.throughElections(() => fetchCommitted(this.cluster, groupId, '', 0, []));
    const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
    for (const [key, offset] of committed) {
      if (offset === undefined) continue;
      const i = key.lastIndexOf(':');
      const topic = key.slice(0, i);
      const entry = { partition: Number(key.slice(i + 1)), offset };
      const list = byTopic.get(topic);
      if (list) list.push(entry);
      else byTopic.set(topic, [entry]);
    }
    const out: GroupPartitionOffset[] = [];
    for (const [topic, partitions] of [...byTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const ends = new Map(
        (await this.admin.listOffsets(topic, 'latest')).map((p) => [p.partition, p.offset]),
      );
      for (const { partition, offset } of partitions.sort((a, b) => a.partition - b.partition)) {
        const logEndOffset = ends.get(partition) ?? 0n;
        out.push({
          topic,
          partition,
          offset,
          logEndOffset,
          lag: logEndOffset > offset ? logEndOffset - offset : 0n,
        });
      }
    }
    return out;
  }

  async resetGroupOffsets(groupId: string, resets: readonly GroupOffsetReset[]): Promise<void> {
    assertGroupId(groupId);
    if (!Array.isArray(resets) || resets.length === 0) throw new InvalidArgumentError('nothing to reset');
    const topics: v1.OffsetCommitTopic[] = [];
    for (const reset of resets) {
      let offsets: Array<{ partition: number; offset: bigint }>;
      if ('offsets' in reset) {
        offsets = reset.offsets;
      } else {
        const found = await this.admin.listOffsets(reset.topic, reset.to);
        const latest =
          typeof reset.to === 'object' ? await this.admin.listOffsets(reset.topic, 'latest') : undefined;
        // A timestamp after the last record: start at the end (nothing older is read).
        offsets = found.map((p) => ({
          partition: p.partition,
          offset:
            p.offset >= 0n ? p.offset : (latest?.find((l) => l.partition === p.partition)?.offset ?? 0n),
        }));
      }
      for (const o of offsets) {
        if (typeof o.offset !== 'bigint' || o.offset < 0n) {
          throw new InvalidArgumentError(`offset of ${reset.topic}:${o.partition} must be a bigint >= 0n`);
        }
      }
      topics.push({
        topic: reset.topic,
        partitions: offsets.map((o) => ({
          partition: o.partition,
          offset: o.offset.toString(),
          metadata: '',
        })),
      });
    }
    const response = await this.throughElections(() =>
      this.cluster.groups<v1.ResetGroupOffsetsResponse__Output>(
        (client) => (metadata, options, callback) =>
          client.resetGroupOffsets({ groupId, topics }, metadata, options, callback),
      ),
    );
    throwIfError(response);
  }

  async deleteGroup(groupId: string): Promise<void> {
    assertGroupId(groupId);
    const response = await this.throughElections(() =>
      this.cluster.groups<v1.DeleteGroupResponse__Output>(
        (client) => (metadata, options, callback) =>
          client.deleteGroup({ groupId }, metadata, options, callback),
      ),
    );
    throwIfError(response);
  }
}

function assertGroupId(groupId: string): void {
  if (typeof groupId !== 'string' || groupId.trim() === '') {
    throw new InvalidArgumentError('the group id must be a non-empty string');
  }
}
