import { ErrorCode, type v1 } from '@fjord/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { topicByName } from '../metadata/state.js';
import { openMetadataStore } from '../quorum/open-metadata-store.js';
import { alterTopicConfigs } from './alter-topic-configs.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { createTopics } from './create-topics.js';
import {
  type HandlerTestContext,
  openHandlerContext,
  registerTestBroker,
} from './handler-context.fixture.js';

function topic(
  name: string,
  partitions = 1,
  extra: Partial<v1.CreatableTopic__Output> = {},
): v1.CreatableTopic__Output {
  return { name, partitions, replicationFactor: 0, configs: {}, ...extra };
}

describe('CreateTopics validation', () => {
  let handler: HandlerTestContext;
  let store: MetadataStore;
  let ctx: CoordinatorContext;
  let uuids = 0;

  beforeEach(async () => {
    handler = await openHandlerContext('create', {
      uuid: () => `00000000-0000-4000-8000-${String(++uuids).padStart(12, '0')}`,
      int: () => 0,
    });
    ({ ctx, store } = handler);
  });

  afterEach(() => handler.close());

  const addBroker = (brokerId: number) => registerTestBroker(ctx, brokerId);

  const create = (topics: v1.CreatableTopic__Output[], validateOnly = false) =>
    createTopics(ctx, { topics, validateOnly }).then((r) => r.topics!);

  it('creates a valid topic with a fresh id, replicas on a live broker, leader = first replica', async () => {
    await addBroker(1);
    const [result] = await create([topic('orders', 3, { configs: { 'retention.ms': '1000' } })]);
    expect(result).toMatchObject({ name: 'orders', errorCode: ErrorCode.NONE });
    expect(result!.topicId).toMatch(/^[0-9a-f-]{36}$/);
    const stored = topicByName(store.state, 'orders')!;
    expect(stored.topicId).toBe(result!.topicId);
    expect(stored.configs).toEqual({ 'retention.ms': '1000' });
    expect(stored.partitions.map((p) => [p.leader, p.replicas, p.isr])).toEqual([
      [1, [1], [1]],
      [1, [1], [1]],
      [1, [1], [1]],
    ]);
  });

  it('spreads partitions over live brokers', async () => {
    await addBroker(1);
    await addBroker(2);
    await create([topic('spread', 4)]);
    expect(topicByName(store.state, 'spread')!.partitions.map((p) => p.leader)).toEqual([1, 2, 1, 2]);
  });

  it.each([
    ['bad name', topic('no spaces'), ErrorCode.INVALID_TOPIC_EXCEPTION, /may contain only/],
    ['empty name', topic(''), ErrorCode.INVALID_TOPIC_EXCEPTION, /non-empty/],
    ['zero partitions', topic('a', 0), ErrorCode.INVALID_PARTITIONS, /got 0/],
    ['negative partitions', topic('a', -3), ErrorCode.INVALID_PARTITIONS, /got -3/],
    ['too many partitions', topic('a', 10_001), ErrorCode.INVALID_PARTITIONS, /got 10001/],
    [
      'replication factor above the live brokers',
      topic('a', 1, { replicationFactor: 3 }),
      ErrorCode.INVALID_REPLICATION_FACTOR,
      /^replication factor 3 is larger than the number of live brokers \(\d\)$/,
    ],
    [
      'negative replication factor',
      topic('a', 1, { replicationFactor: -1 }),
      ErrorCode.INVALID_REPLICATION_FACTOR,
      /-1/,
    ],
    [
      'bad config value',
      topic('a', 1, { configs: { 'retention.ms': 'soon', 'cleanup.policy': 'compact' } }),
      ErrorCode.INVALID_CONFIG,
      /retention\.ms.*cleanup\.policy|cleanup\.policy.*retention\.ms/,
    ],
    [
      'unknown config',
      topic('a', 1, { configs: { 'no.such.thing': '1' } }),
      ErrorCode.INVALID_CONFIG,
      /no\.such\.thing/,
    ],
  ])('%s -> error, nothing stored', async (_label, input, code, message) => {
    await addBroker(1);
    const before = store.metadataVersion;
    const [result] = await create([input]);
    expect(result!.errorCode).toBe(code);
    expect(result!.errorMessage).toMatch(message);
    expect(result!.topicId).toBe('');
    expect(store.metadataVersion).toBe(before);
    expect(store.state.topics).toEqual({});
  });

  it('refuses an existing topic with TOPIC_ALREADY_EXISTS', async () => {
    await addBroker(1);
    await create([topic('orders')]);
    const [again] = await create([topic('orders', 5)]);
    expect(again!.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(topicByName(store.state, 'orders')!.partitions).toHaveLength(1);
  });

  it('refuses a name given twice in one request with INVALID_REQUEST and creates the others', async () => {
    await addBroker(1);
    const results = await create([topic('twice'), topic('once'), topic('twice')]);
    expect(results.map((r) => r.errorCode)).toEqual([
      ErrorCode.INVALID_REQUEST,
      ErrorCode.NONE,
      ErrorCode.INVALID_REQUEST,
    ]);
    expect(Object.values(store.state.topics).map((t) => t.name)).toEqual(['once']);
  });

  it('refuses every topic while no broker is alive', async () => {
    const [result] = await create([topic('orders')]);
    expect(result).toMatchObject({
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      errorMessage: 'no live brokers',
    });
    expect(store.state.topics).toEqual({});
  });

  it('validate_only checks everything and creates nothing', async () => {
    await addBroker(1);
    const before = store.metadataVersion;
    const results = await create([topic('fine'), topic('bad name')], true);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.INVALID_TOPIC_EXCEPTION]);
    expect(store.metadataVersion).toBe(before);
    expect(store.state.topics).toEqual({});
  });

  it('refuses min.insync.replicas above the replication factor, at create and at alter', async () => {
    await addBroker(1);
    await addBroker(2);
    const [refused] = await create([
      topic('strict', 1, { replicationFactor: 2, configs: { 'min.insync.replicas': '3' } }),
    ]);
    expect(refused).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(refused!.errorMessage).toMatch(/min\.insync\.replicas 3 .* replication factor 2/);
    expect(topicByName(store.state, 'strict')).toBeUndefined();

    const [created] = await create([
      topic('strict', 1, { replicationFactor: 2, configs: { 'min.insync.replicas': '2' } }),
    ]);
    expect(created).toMatchObject({ errorCode: ErrorCode.NONE });
    const alter = (value: string) =>
      alterTopicConfigs(ctx, {
        topics: [{ topic: 'strict', changes: [{ name: 'min.insync.replicas', value, delete: false }] }],
      }).then((r) => r.topics![0]!);
    expect(await alter('3')).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(topicByName(store.state, 'strict')!.configs['min.insync.replicas']).toBe('2');
    expect(await alter('1')).toMatchObject({ errorCode: ErrorCode.NONE });
  });

  it('creates the valid topics of a mixed request and nothing for the invalid ones', async () => {
    await addBroker(1);
    const results = await create([topic('good-1'), topic('bad', 0), topic('good-2', 2)]);
    expect(results.map((r) => r.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.NONE,
    ]);
    expect(
      Object.values(store.state.topics)
        .map((t) => t.name)
        .sort(),
    ).toEqual(['good-1', 'good-2']);
    expect(new Set(results.filter((r) => r.topicId).map((r) => r.topicId)).size).toBe(2);
  });
});
