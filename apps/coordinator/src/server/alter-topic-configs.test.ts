import { ErrorCode } from '@fjord/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { metadataRecord } from '../metadata/records.js';
import { topicByName } from '../metadata/state.js';
import { openMetadataStore } from '../quorum/open-metadata-store.js';
import { alterTopicConfigs } from './alter-topic-configs.js';
import type { CoordinatorContext } from './coordinator-context.js';
import {
  type HandlerTestContext,
  openHandlerContext,
  registerTestBroker,
} from './handler-context.fixture.js';

const TOPIC_ID = '00000000-0000-4000-8000-00000000e1e1';

describe('AlterTopicConfigs and the eligible leader replicas (KIP-966)', () => {
  let handler: HandlerTestContext;
  let store: MetadataStore;
  let ctx: CoordinatorContext;

  beforeEach(async () => {
    handler = await openHandlerContext('alter', { uuid: () => TOPIC_ID, int: () => 0 });
    ({ ctx, store } = handler);
    for (const brokerId of [1, 2, 3]) await registerTestBroker(ctx, brokerId);
    // min.insync.replicas=3 and the ISR shrank to [1]: 2 and 3 left it while nothing could
    // be committed, so both are eligible leader replicas.
    await store.propose((p) => {
      p.append(
        metadataRecord({
          type: 'CreateTopic',
          topicId: TOPIC_ID,
          name: 'orders',
          partitions: [{ partition: 0, replicas: [1, 2, 3], leader: 1, isr: [1, 2, 3] }],
          configs: { 'min.insync.replicas': '3' },
        }),
      );
      p.append(
        metadataRecord({
          type: 'ChangePartition',
          topicId: TOPIC_ID,
          partition: 0,
          leader: 1,
          isr: [1],
          elr: [2, 3],
        }),
      );
    });
  });

  afterEach(() => handler.close());

  const alter = async (name: string, value: string) => {
    const { topics } = await alterTopicConfigs(ctx, {
      topics: [{ topic: 'orders', changes: [{ name, value, delete: false }] }],
    });
    expect(topics![0]!.errorCode).toBe(ErrorCode.NONE);
  };
  const partition = () => topicByName(store.state, 'orders')!.partitions[0]!;

  it('keeps the ELR for a change of another config', async () => {
    await alter('retention.ms', '60000');
    expect(partition().elr).toEqual([2, 3]);
  });

  it('clears the ELR when min.insync.replicas changes, keeping leader and ISR', async () => {
    // With min.insync.replicas=1 the leader alone commits: 2 and 3 would miss those records.
    const before = partition();
    await alter('min.insync.replicas', '1');
    const after = partition();
    expect(after.elr).toEqual([]);
    expect(after.leader).toBe(1);
    expect(after.isr).toEqual([1]);
    expect(after.leaderEpoch).toBe(before.leaderEpoch);
    expect(after.partitionEpoch).toBe(before.partitionEpoch + 1);
  });
});
