import { ApiKey } from '@fjord/kafka-protocol';
import { type Cluster, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawKafka } from './kafka-raw.js';

// Issue #14: with no coordinator leader reachable, the Kafka listener answers the APIs that
// need the coordinator with Kafka's retriable errors instead of dropping the connection, so
// that Kafka clients back off and retry as they do against a Kafka cluster without a
// controller or group coordinator.
describe('Kafka listener without a coordinator leader', () => {
  let cluster: Cluster;
  let kafka: RawKafka;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1, kafka: true });
    kafka = await RawKafka.open(cluster.broker(1).kafkaPort!);
    // Answered while the coordinator runs, so the connection is known to work.
    expect(
      (await kafka.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false })).brokers,
    ).toHaveLength(1);
    await cluster.coordinator.kill('SIGKILL');
  }, 120_000);
  afterAll(async () => {
    kafka?.close();
    await cluster?.stop();
  });

  it('answers group APIs COORDINATOR_NOT_AVAILABLE, cluster changes NOT_CONTROLLER, and keeps the connection', async () => {
    const join = await kafka.request(ApiKey.JoinGroup, 5, {
      groupId: 'g',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    expect(join.errorCode).toBe(15);
    const heartbeat = await kafka.request(ApiKey.Heartbeat, 4, {
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
    });
    expect(heartbeat.errorCode).toBe(15);
    const producerId = await kafka.request(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: -1n,
      producerEpoch: -1,
    });
    expect(producerId).toMatchObject({ errorCode: 15, producerId: -1n });
    const created = await kafka.request(ApiKey.CreateTopics, 5, {
      topics: [{ name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5_000,
      validateOnly: false,
    });
    expect(created.topics).toMatchObject([{ name: 't', errorCode: 41 }]);
    const metadata = await kafka.request(ApiKey.Metadata, 12, {
      topics: [{ name: 't', topicId: '00000000-0000-0000-0000-000000000000' }],
      allowAutoTopicCreation: false,
    });
    expect(metadata.topics).toMatchObject([{ name: 't', errorCode: 5 }]);
    expect(metadata.brokers).toMatchObject([{ nodeId: 1 }]);
    // Still the same connection.
    expect(
      (await kafka.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }))
        .errorCode,
    ).toBe(0);
  }, 60_000);
});
