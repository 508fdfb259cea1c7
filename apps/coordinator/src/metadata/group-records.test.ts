import { describe, expect, it } from 'vitest';
import { applyAll } from './apply.js';
import { type MetadataRecord, metadataRecord } from './records.js';
import { emptyState } from './state.js';

const createTopic = (topicId: string, name: string) =>
  metadataRecord({
    type: 'CreateTopic',
    topicId,
    name,
    configs: {},
    partitions: [{ partition: 0, replicas: [1], leader: 1, isr: [1] }],
  });

const commit = (topic: string, offset: string) =>
  metadataRecord({
    type: 'GroupOffsetCommit',
    groupId: 'g',
    offsets: [{ topic, partition: 0, offset, metadata: '' }],
  });

describe('group records applied by the metadata state machine', () => {
  it('deletes committed offsets with their topic: a recreated topic starts without them', () => {
    const records: MetadataRecord[] = [
      metadataRecord({ type: 'InitCluster', clusterId: 'c' }),
      createTopic('id-orders-1', 'orders'),
      createTopic('id-kept', 'kept'),
      metadataRecord({
        type: 'GroupUpdate',
        group: {
          groupId: 'g',
          groupEpoch: 1,
          assignmentEpoch: 1,
          assignor: 'uniform',
          members: {},
          target: {},
          subscribedTopicPartitions: {},
        },
      }),
      commit('orders', '100'),
      commit('kept', '100'),
      metadataRecord({ type: 'DeleteTopic', topicId: 'id-orders-1' }),
      // A commit planned before the deletion and applied after it is dropped too.
      commit('orders', '100'),
      createTopic('id-orders-2', 'orders'),
    ];
    const state = applyAll(emptyState(), records);
    expect(state.groups.g!.offsets.orders).toBeUndefined();
    expect(state.groups.g!.offsets.kept).toEqual({ '0': { offset: '100', metadata: '' } });
    // Replaying the log (as after a restart) gives the same state.
    expect(applyAll(emptyState(), JSON.parse(JSON.stringify(records)))).toEqual(state);
  });

  it('stores a commit that moves an offset back', () => {
    const state = applyAll(emptyState(), [
      metadataRecord({ type: 'InitCluster', clusterId: 'c' }),
      createTopic('id-orders', 'orders'),
      metadataRecord({
        type: 'GroupUpdate',
        group: {
          groupId: 'g',
          groupEpoch: 1,
          assignmentEpoch: 1,
          assignor: 'uniform',
          members: {},
          target: {},
          subscribedTopicPartitions: {},
        },
      }),
      commit('orders', '100'),
      commit('orders', '40'),
    ]);
    expect(state.groups.g!.offsets.orders).toEqual({ '0': { offset: '40', metadata: '' } });
  });
});
