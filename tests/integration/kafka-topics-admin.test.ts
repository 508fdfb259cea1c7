import { ApiKey, type KafkaStruct, ZERO_UUID } from '@fjord/kafka-protocol';
import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawKafka } from './kafka-raw.js';

describe('topic admin at the versions no client library here sends (CreateTopics v7, DescribeConfigs v4, DeleteTopics v6)', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let raw: RawKafka;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1, kafka: true });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'kafka-topics-admin-test' });
    raw = await RawKafka.open(cluster.broker(1).kafkaPort!);
  });
  afterAll(async () => {
    raw?.close();
    await fjord?.close();
    await cluster?.stop();
  });

  it('answers a created topic as stored (v7: id, counts, effective configs); validate-only creates nothing', async () => {
    const name = randomName('ct7');
    const answer = await raw.request(ApiKey.CreateTopics, 7, {
      topics: [
        {
          name,
          numPartitions: 2,
          replicationFactor: -1,
          assignments: [],
          configs: [{ name: 'retention.ms', value: '3600000' }],
        },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    const [created] = answer.topics as KafkaStruct[];
    const [stored] = await fjord.admin().describeTopics([name]);
    expect(created).toMatchObject({
      name,
      topicId: stored?.id,
      errorCode: 0,
      errorMessage: null,
      numPartitions: 2,
      replicationFactor: 1,
    });
    const configs = created?.configs as Array<{ name: string; value: string; configSource: number }>;
    expect(configs.find((c) => c.name === 'retention.ms')).toMatchObject({
      value: '3600000',
      configSource: 1,
    });
    expect(configs.find((c) => c.name === 'cleanup.policy')).toMatchObject({
      value: 'delete',
      configSource: 5,
    });

    const dryRun = randomName('ct7-dry');
    const validated = await raw.request(ApiKey.CreateTopics, 7, {
      topics: [{ name: dryRun, numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: true,
    });
    expect(validated.topics).toEqual([
      expect.objectContaining({
        name: dryRun,
        errorCode: 0,
        numPartitions: 3,
        replicationFactor: 1,
        configs: null,
      }),
    ]);
    expect((await fjord.admin().listTopics()).map((t) => t.name)).not.toContain(dryRun);
  });

  it('describes a topic’s configs with Kafka’s config types and, when asked, their documentation (DescribeConfigs v4)', async () => {
    const name = randomName('dc4');
    await fjord
      .admin()
      .createTopics([{ name, partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '60000' } }]);
    const describe = async (includeDocumentation: boolean) => {
      const answer = await raw.request(ApiKey.DescribeConfigs, 4, {
        resources: [{ resourceType: 2, resourceName: name, configurationKeys: null }],
        includeSynonyms: false,
        includeDocumentation,
      });
      const [resource] = answer.results as KafkaStruct[];
      expect(resource?.errorCode).toBe(0);
      return resource?.configs as Array<Record<string, unknown>>;
    };
    const withDocs = await describe(true);
    expect(withDocs.find((c) => c.name === 'retention.ms')).toMatchObject({
      value: '60000',
      configSource: 1, // DYNAMIC_TOPIC_CONFIG: an override
      configType: 5, // LONG
      documentation: expect.stringContaining('How long a batch is kept'),
    });
    expect(withDocs.find((c) => c.name === 'unclean.leader.election.enable')).toMatchObject({
      configType: 1, // BOOLEAN
      configSource: 5, // DEFAULT_CONFIG
    });
    // Every config has a Kafka type (0 would be UNKNOWN).
    expect(withDocs.filter((c) => c.configType === 0).map((c) => c.name)).toEqual([]);
    expect((await describe(false)).every((c) => c.documentation === null)).toBe(true);
  });

  it('deletes by topic id (v6) and answers an id no topic has with UNKNOWN_TOPIC_ID', async () => {
    const name = randomName('dt6');
    await fjord.admin().createTopics([{ name, partitions: 1, replicationFactor: 1 }]);
    const [stored] = await fjord.admin().describeTopics([name]);
    const unknownId = '0f0e0d0c-0b0a-4908-8706-050403020100';
    const answer = await raw.request(ApiKey.DeleteTopics, 6, {
      topics: [
        { name: null, topicId: stored!.id },
        { name: null, topicId: unknownId },
      ],
      timeoutMs: 10_000,
    });
    expect(answer.responses).toEqual([
      expect.objectContaining({ name, topicId: stored!.id, errorCode: 0 }),
      expect.objectContaining({ name: null, topicId: unknownId, errorCode: 100 }),
    ]);
    expect((await fjord.admin().listTopics()).map((t) => t.name)).not.toContain(name);
    expect(stored!.id).not.toBe(ZERO_UUID);
  });
});
