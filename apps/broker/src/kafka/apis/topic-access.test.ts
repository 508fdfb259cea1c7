import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { ANONYMOUS_PRINCIPAL, StandardAuthorizer, userPrincipal } from '@fjord/security';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostedReplicas } from '../../cluster/hosted-replicas.js';
import { replica } from '../../cluster/replica.fixture.js';
import { batchOf, openTempStore, type TempStore } from '../../log/temp-store.fixture.js';
import { PartitionResolver } from '../../server/partition-resolver.js';
import type { BrokerServiceDeps } from '../../server/service-deps.js';
import type { KafkaRequestContext } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { KafkaAccess } from '../security/kafka-access.js';
import { KafkaConnectionAuthentication } from '../security/kafka-authentication.js';
import { fetchApi } from './fetch.js';
import { listOffsetsApi } from './list-offsets.js';
import { produceApi } from './produce.js';

const OPEN = '11111111-2222-4333-8444-555555555555';
const CLOSED = '66666666-7777-4888-9999-aaaaaaaaaaaa';

// Produce, Fetch and ListOffsets on the Kafka path, against the broker's own request core
// with a real log store: topics the principal may not use get TOPIC_AUTHORIZATION_FAILED per
// partition while the rest of the request is served.
describe('topic ACLs on the Kafka data APIs', () => {
  let temp: TempStore;
  let deps: KafkaDeps;
  const shutdown = new AbortController();
  const authorizer = new StandardAuthorizer();
  authorizer.createAcls(
    (['WRITE', 'READ', 'DESCRIBE'] as const).map((operation) => ({
      pattern: { resourceType: 'TOPIC', name: 'open', patternType: 'LITERAL' },
      entry: { principal: 'User:alice', host: '*', operation, permission: 'ALLOW' },
    })),
  );

  beforeAll(async () => {
    temp = await openTempStore();
    const logger = pino({ level: 'silent' });
    const replicas = new HostedReplicas(temp.store, logger);
    await replicas.apply([replica('open', OPEN, 0), replica('closed', CLOSED, 0)]);
    const broker: BrokerServiceDeps = {
      brokerId: 1,
      store: temp.store,
      replicas,
      resolver: new PartitionResolver(1, replicas, async () => true),
      logger,
      nowMs: Date.now,
      maxAckWaitMs: 1_000,
      shutdownSignal: shutdown.signal,
    };
    deps = { broker, brokerId: 1 } as unknown as KafkaDeps;
  });
  afterAll(async () => {
    shutdown.abort();
    await temp.cleanup();
  });

  function context(
    apiKey: number,
    apiVersion: number,
    user?: string,
  ): KafkaRequestContext & { closed?: string } {
    const principal = user ? userPrincipal(user) : ANONYMOUS_PRINCIPAL;
    const result: KafkaRequestContext & { closed?: string } = {
      header: { apiKey, apiVersion, correlationId: 1, clientId: 't', headerVersion: 1 },
      signal: shutdown.signal,
      access: new KafkaAccess(authorizer, principal, '127.0.0.1'),
      authentication: new KafkaConnectionAuthentication({ principal, connectionId: 'c' }),
      closeAfterResponse: (reason) => {
        result.closed = reason;
      },
    };
    return result;
  }

  const produceRequest = (acks: number): KafkaStruct => ({
    transactionalId: null,
    acks,
    timeoutMs: 1_000,
    topicData: ['open', 'closed'].map((name) => ({
      name,
      partitionData: [{ index: 0, records: batchOf([Date.now()]) }],
    })),
  });

  const errorsByTopic = (topics: KafkaStruct[], partitionsField: string) =>
    Object.fromEntries(
      topics.map((t) => [
        (t.name ?? t.topic) as string,
        (t[partitionsField] as KafkaStruct[]).map((p) => p.errorCode),
      ]),
    );

  it('Produce: WRITE decides per topic; the allowed topic is written', async () => {
    const answer = await produceApi(deps).handle(produceRequest(1), context(ApiKey.Produce, 9, 'alice'));
    expect(errorsByTopic(answer!.responses as KafkaStruct[], 'partitionResponses')).toEqual({
      open: [ErrorCode.NONE],
      closed: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
    expect(deps.broker.replicas.get('closed', 0)!.log.logEndOffset).toBe(0n);
    expect(deps.broker.replicas.get('open', 0)!.log.logEndOffset).toBeGreaterThan(0n);
  });

  it('Produce with acks=0 and a refused topic closes the connection after the (absent) answer', async () => {
    const ctx = context(ApiKey.Produce, 9, 'alice');
    expect(await produceApi(deps).handle(produceRequest(0), ctx)).toBeNull();
    expect(ctx.closed).toMatch(/may not WRITE/);
  });

  it('Fetch and ListOffsets: READ and DESCRIBE decide per topic', async () => {
    const fetched = await fetchApi(deps).handle(
      {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: ['open', 'closed'].map((topic) => ({
          topic,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: -1,
              fetchOffset: 0n,
              lastFetchedEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: 1 << 20,
            },
          ],
        })),
        forgottenTopicsData: [],
        rackId: '',
      },
      context(ApiKey.Fetch, 11, 'alice'),
    );
    const responses = fetched!.responses as KafkaStruct[];
    expect(errorsByTopic(responses, 'partitions')).toEqual({
      open: [ErrorCode.NONE],
      closed: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
    const closed = (responses.find((r) => r.topic === 'closed')!.partitions as KafkaStruct[])[0]!;
    expect((closed.records as Buffer).length).toBe(0);

    const offsets = await listOffsetsApi(deps).handle(
      {
        replicaId: -1,
        isolationLevel: 0,
        topics: ['open', 'closed'].map((name) => ({
          name,
          partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }],
        })),
      },
      context(ApiKey.ListOffsets, 6, 'alice'),
    );
    expect(errorsByTopic(offsets!.topics as KafkaStruct[], 'partitions')).toEqual({
      open: [ErrorCode.NONE],
      closed: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
  });

  it('User:ANONYMOUS, with no ACL, is refused every topic', async () => {
    const answer = await produceApi(deps).handle(produceRequest(1), context(ApiKey.Produce, 9));
    expect(errorsByTopic(answer!.responses as KafkaStruct[], 'partitionResponses')).toEqual({
      open: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      closed: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
  });
});
