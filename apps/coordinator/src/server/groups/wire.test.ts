import { describe, expect, it } from 'vitest';
import { applyAll } from '../../metadata/apply.js';
import { metadataRecord } from '../../metadata/records.js';
import { emptyState } from '../../metadata/state.js';
import { assignmentFromWire, assignmentToWire } from './wire.js';

const state = applyAll(emptyState(), [
  metadataRecord({ type: 'InitCluster', clusterId: 'c' }),
  metadataRecord({
    type: 'CreateTopic',
    topicId: '5b0c9d1e-0000-4000-8000-000000000001',
    name: 'orders',
    configs: {},
    partitions: [0, 1].map((partition) => ({ partition, replicas: [1], leader: 1, isr: [1] })),
  }),
]);

describe('topic-partition lists on the wire', () => {
  it('names topics by name or by id (Kafka clients), dropping ids no topic has, prototype names included', () => {
    const owned = assignmentFromWire(
      [
        { topic: '', topicId: '5b0c9d1e-0000-4000-8000-000000000001', partitions: [1] },
        { topic: '', topicId: 'constructor', partitions: [0] },
        { topic: '', topicId: '00000000-0000-0000-0000-000000000000', partitions: [0] },
      ],
      state,
    );
    expect(owned).toEqual({ orders: [1] });
  });

  it('answers every list with its topic id', () => {
    expect(assignmentToWire({ orders: [0, 1] }, state)).toEqual([
      { topic: 'orders', partitions: [0, 1], topicId: '5b0c9d1e-0000-4000-8000-000000000001' },
    ]);
  });
});
