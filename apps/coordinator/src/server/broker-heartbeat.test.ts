import { ErrorCode, type v1 } from '@fjord/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topicByName } from '../metadata/state.js';
import { alterPartition } from './alter-partition.js';
import { alterTopicConfigs } from './alter-topic-configs.js';
import { brokerHeartbeat } from './broker-heartbeat.js';
import { VIEWS_REMEMBERED_PER_BROKER } from './broker-view-history.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import {
  type HandlerTestContext,
  openHandlerContext,
  registerTestBroker,
} from './handler-context.fixture.js';

const PARTITIONS = 300;

/** What a broker that applies deltas holds: its replicas by topic id and partition. */
class BrokerView {
  replicas = new Map<string, v1.HostedReplica__Output>();
  version = '-1';
  digest = '';

  constructor(
    readonly brokerId: number,
    readonly brokerEpoch: string,
  ) {}

  request(acceptsReplicaDeltas = true): v1.BrokerHeartbeatRequest__Output {
    return {
      brokerId: this.brokerId,
      brokerEpoch: this.brokerEpoch,
      knownMetadataVersion: this.version,
      knownViewDigest: this.digest,
      listenerName: '',
      acceptsReplicaDeltas,
    };
  }

  apply(answer: v1.BrokerHeartbeatResponse): void {
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    this.version = String(answer.metadataVersion);
    if (!answer.hasChanges || answer.viewUnchanged) return;
    if (!answer.replicasAreDelta) this.replicas.clear();
    for (const removed of answer.removedReplicas ?? []) {
      this.replicas.delete(`${removed.topicId}/${removed.partition}`);
    }
    for (const r of answer.replicas as v1.HostedReplica__Output[]) {
      this.replicas.set(`${r.topicId}/${r.partition}`, r);
    }
    this.digest = answer.viewDigest!;
  }
}

describe('BrokerHeartbeat answers carry metadata changes, not the whole replica list', () => {
  let handler: HandlerTestContext;
  let ctx: CoordinatorContext;

  beforeEach(async () => {
    handler = await openHandlerContext('heartbeat');
    ctx = handler.ctx;
  });

  afterEach(() => handler.close());

  async function register(brokerId: number): Promise<BrokerView> {
    const answer = await registerTestBroker(ctx, brokerId);
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    return new BrokerView(brokerId, String(answer.brokerEpoch));
  }

  async function create(name: string, partitions: number): Promise<void> {
    const answer = await createTopics(ctx, {
      topics: [{ name, partitions, replicationFactor: 3, configs: {} }],
      validateOnly: false,
    });
    expect(answer.topics![0]!.errorCode).toBe(ErrorCode.NONE);
  }

  /** A heartbeat of `broker`, applied to its view; returns the answer. */
  async function beat(broker: BrokerView): Promise<v1.BrokerHeartbeatResponse> {
    const answer = await brokerHeartbeat(ctx, broker.request());
    broker.apply(answer);
    return answer;
  }

  /** The complete list the coordinator would send a broker that knows nothing. */
  async function completeList(broker: BrokerView): Promise<Map<string, v1.HostedReplica__Output>> {
    const fresh = new BrokerView(broker.brokerId, broker.brokerEpoch);
    await beat(fresh);
    return fresh.replicas;
  }

  it(`sends one replica entry when one of ${PARTITIONS} partitions changes, and the broker's view stays complete`, async () => {
    const brokers = [await register(1), await register(2), await register(3)];
    await create('many', PARTITIONS);
    const first = await beat(brokers[0]!);
    // Just registered: the complete list.
    expect(first.replicas).toHaveLength(PARTITIONS);
    expect(first.replicasAreDelta).toBeFalsy();

    // One partition's ISR shrinks (its leader asks).
    const topic = topicByName(ctx.store.state, 'many')!;
    const p7 = topic.partitions[7]!;
    const shrink = await alterPartition(ctx, {
      brokerId: p7.leader,
      brokerEpoch: brokers[p7.leader - 1]!.brokerEpoch,
      partitions: [
        {
          topicId: topic.topicId,
          partition: 7,
          leaderEpoch: p7.leaderEpoch,
          partitionEpoch: p7.partitionEpoch,
          newIsr: p7.isr.filter((id) => id !== (p7.leader % 3) + 1),
        },
      ],
    });
    expect(shrink.partitions![0]!.errorCode).toBe(ErrorCode.NONE);
    const afterShrink = await beat(brokers[0]!);
    expect(afterShrink.replicas!.map((r) => r.partition)).toEqual([7]);
    expect(afterShrink.replicasAreDelta).toBe(true);
    expect(afterShrink.removedReplicas).toEqual([]);
    expect(afterShrink.brokers).toHaveLength(3);
    expect(brokers[0]!.replicas).toEqual(await completeList(brokers[0]!));

    // A new topic: only its partitions; deleting it: only their removal.
    await create('small', 2);
    const afterCreate = await beat(brokers[0]!);
    expect(afterCreate.replicas!.map((r) => [r.topic, r.partition])).toEqual([
      ['small', 0],
      ['small', 1],
    ]);
    const small = topicByName(ctx.store.state, 'small')!;
    await deleteTopics(ctx, { topics: ['small'] });
    const afterDelete = await beat(brokers[0]!);
    expect(afterDelete.replicas).toEqual([]);
    expect(afterDelete.removedReplicas).toEqual([
      { topicId: small.topicId, partition: 0 },
      { topicId: small.topicId, partition: 1 },
    ]);
    expect(brokers[0]!.replicas).toEqual(await completeList(brokers[0]!));
    expect(brokers[0]!.replicas.size).toBe(PARTITIONS);

    // A config change concerns every partition of its topic.
    const altered = await alterTopicConfigs(ctx, {
      topics: [{ topic: 'many', changes: [{ name: 'retention.ms', value: '60000', delete: false }] }],
    });
    expect(altered.topics![0]!.errorCode).toBe(ErrorCode.NONE);
    const afterConfig = await beat(brokers[0]!);
    expect(afterConfig.replicas).toHaveLength(PARTITIONS);
    expect(brokers[0]!.replicas).toEqual(await completeList(brokers[0]!));
  });

  it('sends the complete list to a broker that does not accept deltas, or whose view it no longer remembers', async () => {
    const broker = await register(1);
    await register(2);
    await register(3);
    await create('many', 20);
    await beat(broker);
    const known = broker.request();

    // An older broker: always complete lists.
    await create('other', 1);
    const legacy = await brokerHeartbeat(ctx, broker.request(false));
    expect(legacy.replicas).toHaveLength(21);
    expect(legacy.replicasAreDelta).toBe(false);

    // The broker keeps failing to apply (it stays on `known`) while other brokers' views
    // move on; after more views than are remembered, it gets a complete list again.
    for (let i = 0; i < VIEWS_REMEMBERED_PER_BROKER; i++) {
      await create(`later-${i}`, 1);
      await brokerHeartbeat(ctx, { ...known, knownViewDigest: `never-applied-${i}` });
    }
    await create('last', 1);
    const behind = await brokerHeartbeat(ctx, known);
    expect(behind.replicas).toHaveLength(20 + 2 + VIEWS_REMEMBERED_PER_BROKER);
    expect(behind.replicasAreDelta).toBe(false);
  });
});
