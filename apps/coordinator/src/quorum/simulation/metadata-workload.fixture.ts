import type { GroupMembership } from '../../metadata/group-state.js';
import { type MetadataRecord, metadataRecord } from '../../metadata/records.js';
import type { MetadataState } from '../../metadata/state.js';
import type { MetadataCommand } from '../metadata-state-machine.js';
import type { SeededRandom } from './seeded-random.fixture.js';

const BROKER_IDS = [1, 2, 3, 4, 5, 6];
const GROUP_IDS = ['orders', 'billing', 'audit'];

/**
 * Real metadata records for the simulation's clients, planned against the proposing leader's
 * applied state. Every record stays valid whatever else commits before it (brokers and
 * topics are never removed, topic names are unique), because several proposals are in flight
 * at once and the simulation has no planner holding them back as the coordinator will.
 */
export class MetadataWorkload {
  private topics = 0;
  private epochs = 0;

  constructor(private readonly random: SeededRandom) {}

  /** One proposal: one to three records. */
  next(state: MetadataState): MetadataCommand {
    const count = this.random.between(1, 3);
    return Array.from({ length: count }, () => this.record(state));
  }

  private record(state: MetadataState): MetadataRecord {
    const r = this.random;
    const brokers = Object.values(state.brokers);
    const topics = Object.values(state.topics);
    const groups = Object.values(state.groups);
    const roll = r.int(100);
    if (roll < 25 || brokers.length === 0) {
      return metadataRecord({
        type: 'RegisterBroker',
        brokerId: r.pick(BROKER_IDS),
        host: '127.0.0.1',
        port: 9092 + r.int(100),
        incarnationId: r.uuid(),
        brokerEpoch: String(++this.epochs),
      });
    }
    if (roll < 35) {
      return metadataRecord({
        type: r.chance(0.5) ? 'FenceBroker' : 'UnfenceBroker',
        brokerId: r.pick(brokers).brokerId,
      });
    }
    if (roll < 50 || topics.length === 0) {
      const ids = brokers.map((b) => b.brokerId);
      const partitions = Array.from({ length: r.between(1, 3) }, (_, partition) => {
        const replicas = [r.pick(ids)];
        return { partition, replicas, leader: replicas[0] as number, isr: replicas };
      });
      return metadataRecord({
        type: 'CreateTopic',
        topicId: r.uuid(),
        name: `topic-${++this.topics}-${r.int(1000)}`,
        partitions,
        configs: r.chance(0.3) ? { 'retention.ms': String(r.between(1000, 100000)) } : {},
      });
    }
    if (roll < 65) {
      const topic = r.pick(topics);
      const partition = r.pick(topic.partitions);
      return metadataRecord({
        type: 'ChangePartition',
        topicId: topic.topicId,
        partition: partition.partition,
        leader: r.pick(partition.replicas),
        isr: partition.replicas,
      });
    }
    if (roll < 72) {
      const topic = r.pick(topics);
      return metadataRecord({
        type: 'AlterTopicConfigs',
        topicId: topic.topicId,
        configs: { 'cleanup.policy': r.pick(['delete', 'compact']) },
      });
    }
    if (roll < 88 || groups.length === 0)
      return metadataRecord({ type: 'GroupUpdate', group: this.group(topics.map((t) => t.name)) });
    const group = r.pick(groups);
    const topic = r.pick(topics);
    return metadataRecord({
      type: 'GroupOffsetCommit',
      groupId: group.groupId,
      offsets: [{ topic: topic.name, partition: 0, offset: String(r.int(1_000_000)), metadata: '' }],
    });
  }

  private group(topicNames: string[]): GroupMembership {
    const r = this.random;
    const memberId = r.uuid();
    const topics = topicNames.length === 0 ? [] : [r.pick(topicNames)];
    const epoch = ++this.epochs;
    return {
      groupId: r.pick(GROUP_IDS),
      groupEpoch: epoch,
      assignmentEpoch: epoch,
      assignor: 'uniform',
      members: {
        [memberId]: {
          memberId,
          instanceId: null,
          memberEpoch: epoch,
          previousMemberEpoch: epoch - 1,
          away: false,
          subscribedTopics: topics,
          subscribedRegex: null,
          sessionTimeoutMs: 45000,
          rebalanceTimeoutMs: 300000,
          assigned: Object.fromEntries(topics.map((t) => [t, [0]])),
          revoking: {},
        },
      },
      target: { [memberId]: Object.fromEntries(topics.map((t) => [t, [0]])) },
      subscribedTopicPartitions: Object.fromEntries(topics.map((t) => [t, 1])),
    };
  }
}
