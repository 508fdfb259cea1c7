import {
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  encodeProduceStreamRequest,
  encodeRecordBatch,
  loadFjordProto,
  type v1,
} from '@fjord/protocol';
import { Fjord, TopicAuthorizationFailedError } from '@fjord/sdk';
import { type Cluster, randomName, startCluster, waitFor } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { range } from './helpers.js';

// ProduceStream (issue #16) against a real broker with --authorizer standard and a produce
// byte-rate quota: requests are appended and answered in the order sent, with their
// correlation ids, and every refusal is the unary Produce's. Every caller is User:ANONYMOUS
// here (PLAINTEXT listeners), a super user of the coordinator and not of the broker. The
// SDK's own use of the stream under connection drops is producer-idempotence.test.ts.

const PRODUCER_BYTE_RATE = 50 * 1024;

type ProduceStream = grpc.ClientDuplexStream<v1.ProduceStreamRequest, v1.ProduceStreamResponse__Output>;

type SecurityClient = grpc.Client & {
  createAcls(
    request: v1.CreateAclsRequest,
    callback: (error: grpc.ServiceError | null, response?: v1.CreateAclsResponse__Output) => void,
  ): void;
};

const batch = (value: string, producer?: { id: bigint; sequence: number }) =>
  encodeRecordBatch({
    ...(producer ? { producerId: producer.id, producerEpoch: 0, baseSequence: producer.sequence } : {}),
    records: [{ key: null, value: Buffer.from(value), timestamp: Date.now() }],
  });

const request = (topic: string, records: Buffer, acks = 1): v1.ProduceRequest => ({
  acks,
  timeoutMs: 10_000,
  topics: [{ topic, partitions: [{ partition: 0, records }] }],
});

describe('ProduceStream with real processes', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let security: SecurityClient;
  let broker: v1.BrokerServiceClient;
  const open: ProduceStream[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 1,
      coordinatorArgs: ['--authorizer', 'standard', '--super-users', 'User:ANONYMOUS'],
      brokerArgs: ['--authorizer', 'standard', '--producer-byte-rate', String(PRODUCER_BYTE_RATE)],
    });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'produce-stream-test' });
    const proto = loadFjordProto().fjord.v1;
    const Security = (proto as unknown as { SecurityService: grpc.ServiceClientConstructor }).SecurityService;
    security = new Security(
      cluster.bootstrap,
      grpc.credentials.createInsecure(),
    ) as unknown as SecurityClient;
    broker = new proto.BrokerService(cluster.brokers[0]!.address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    for (const stream of open) stream.cancel();
    broker?.close();
    security?.close();
    await fjord?.close();
    await cluster?.stop();
  });

  /** A topic ANONYMOUS may write, once the broker has copied that ACL. */
  async function writableTopic(prefix: string): Promise<string> {
    const topic = randomName(prefix);
    await fjord.admin().createTopics([{ name: topic, partitions: 1 }]);
    await new Promise<void>((resolve, reject) =>
      security.createAcls(
        {
          creations: ['WRITE', 'READ'].map((operation) => ({
            resourceType: 'TOPIC',
            resourceName: topic,
            patternType: 'LITERAL',
            principal: 'User:ANONYMOUS',
            host: '*',
            operation,
            permission: 'ALLOW',
          })),
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    const producer = fjord.producer({ acks: 1 });
    try {
      await waitFor(
        () =>
          producer.send({ topic, messages: [{ value: 'warm-up' }] }).then(
            () => true,
            (error: unknown) => {
              if (error instanceof TopicAuthorizationFailedError) return false;
              throw error;
            },
          ),
        { timeoutMs: 15_000, message: 'the broker to copy the new ACLs' },
      );
    } finally {
      await producer.close();
    }
    return topic;
  }

  /** A stream to the broker, collecting its answers; `raw` writes bytes as they are given. */
  function stream(clientId: string) {
    const metadata = new grpc.Metadata();
    metadata.set('fjord-client-id', clientId);
    const method = loadFjordProto().fjord.v1.BrokerService.service.ProduceStream;
    const call = (broker as unknown as grpc.Client).makeBidiStreamRequest(
      method.path,
      (message: v1.ProduceStreamRequest | Buffer) =>
        Buffer.isBuffer(message) ? message : method.requestSerialize(message),
      method.responseDeserialize,
      metadata,
      {},
    ) as ProduceStream;
    open.push(call);
    const answers: v1.ProduceStreamResponse__Output[] = [];
    call.on('data', (answer: v1.ProduceStreamResponse__Output) => answers.push(answer));
    const ended = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => {});
    return { call, answers, ended };
  }

  function unary(clientId: string, body: v1.ProduceRequest) {
    const metadata = new grpc.Metadata();
    metadata.set('fjord-client-id', clientId);
    return new Promise<{ error: grpc.ServiceError | null; response?: v1.ProduceResponse__Output }>(
      (resolve) =>
        broker.produce(body, metadata, (error, response) =>
          resolve({ error, ...(response ? { response } : {}) }),
        ),
    );
  }

  async function producerId(): Promise<bigint> {
    const Ids = loadFjordProto().fjord.v1.ProducerIdService;
    const client = new Ids(cluster.bootstrap, grpc.credentials.createInsecure());
    try {
      const answer = await new Promise<v1.InitProducerIdResponse__Output>((resolve, reject) =>
        client.initProducerId({}, (error, response) => (error ? reject(error) : resolve(response!))),
      );
      expect(answer.errorCode).toBe(ErrorCode.NONE);
      return BigInt(answer.producerId);
    } finally {
      client.close();
    }
  }

  it('appends and answers requests in the order sent, each with its correlation id; acks=0 gets no answer', async () => {
    const topic = await writableTopic('ordered');
    const id = await producerId();
    const { call, answers } = stream('ordered-test');
    // 30 idempotent batches written back to back: any one appended before its predecessor
    // would be refused OUT_OF_ORDER_SEQUENCE_NUMBER (the broker no longer waits for a gap).
    const ids = range(0, 30).map((i) => String(1_000 + i * 7));
    for (const [sequence, correlationId] of ids.entries()) {
      call.write({ correlationId, request: request(topic, batch(`v${sequence}`, { id, sequence }), -1) });
    }
    call.write({ correlationId: '5', request: request(topic, batch('unanswered'), 0) });
    call.write({ correlationId: '6', request: request(topic, batch('last')) });
    await waitFor(() => answers.length >= ids.length + 1, { timeoutMs: 20_000, message: 'every answer' });
    expect(answers.map((a) => a.correlationId)).toEqual([...ids, '6']);
    const results = answers.map((a) => a.response!.topics[0]!.partitions[0]!);
    expect(results.map((r) => r.errorCode)).toEqual(answers.map(() => ErrorCode.NONE));
    const warmUp = Number(results[0]!.baseOffset);
    // In send order, one offset each; the acks=0 batch took the offset before the last one's.
    expect(results.map((r) => Number(r.baseOffset) - warmUp)).toEqual([...range(0, 30), 31]);
    call.end();
  });

  it('answers a resent idempotent batch with its first offset, storing it once', async () => {
    const topic = await writableTopic('resend');
    const id = await producerId();
    const { call, answers } = stream('resend-test');
    const first = batch('once', { id, sequence: 0 });
    call.write({ correlationId: '1', request: request(topic, first, -1) });
    // As after a broken stream: the same batch again, on the same or a new stream.
    call.write({ correlationId: '2', request: request(topic, Buffer.from(first), -1) });
    await waitFor(() => answers.length === 2, { timeoutMs: 10_000, message: 'both answers' });
    const [a, b] = answers.map((x) => x.response!.topics[0]!.partitions[0]!);
    expect(a).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(b).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: a!.baseOffset });
    call.end();
  });

  it('refuses as the unary RPC does: a denied topic per partition, bad acks as the request error, and goes on', async () => {
    const topic = await writableTopic('refusals');
    const denied = randomName('denied');
    await fjord.admin().createTopics([{ name: denied, partitions: 1 }]);
    const twoTopics: v1.ProduceRequest = {
      acks: 1,
      timeoutMs: 10_000,
      topics: [
        { topic: denied, partitions: [{ partition: 0, records: batch('no') }] },
        { topic, partitions: [{ partition: 0, records: batch('yes') }] },
      ],
    };
    const badAcks = { ...request(topic, batch('bad acks')), acks: 2 };
    const viaUnary = await unary('refusals-unary', twoTopics);
    const badViaUnary = await unary('refusals-unary', badAcks);

    const { call, answers } = stream('refusals-stream');
    call.write({ correlationId: '1', request: twoTopics });
    call.write({ correlationId: '2', request: badAcks });
    call.write({ correlationId: '3', request: request(topic, batch('after the refusal')) });
    await waitFor(() => answers.length === 3, { timeoutMs: 10_000, message: 'three answers' });

    const strip = (r: v1.ProduceResponse__Output) =>
      r.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map(({ partition, errorCode, errorMessage }) => ({
          partition,
          errorCode,
          errorMessage,
        })),
      }));
    expect(viaUnary.error).toBeNull();
    expect(strip(answers[0]!.response!)).toEqual(strip(viaUnary.response!));
    expect(strip(answers[0]!.response!)[0]!.partitions[0]!.errorCode).toBe(
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    );
    expect(answers[1]).toMatchObject({ correlationId: '2', response: null });
    expect(answers[1]!.requestError).toEqual({
      grpcStatus: badViaUnary.error!.code,
      errorCode: Number(badViaUnary.error!.metadata.get(ERROR_CODE_METADATA_KEY)[0]),
      errorMessage: badViaUnary.error!.details,
    });
    expect(answers[1]!.requestError!.errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    expect(answers[2]!.response!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    call.end();
  });

  it('answers a request it cannot decode by its correlation id, and ends a stream whose message has none', async () => {
    const topic = await writableTopic('malformed');
    const { call, answers } = stream('malformed-test');
    const good = encodeProduceStreamRequest({ correlationId: 8, request: request(topic, batch('x')) });
    // Cut inside the request: the correlation id (first field) is whole.
    const truncated = good.subarray(0, good.length - 5);
    call.write(truncated as unknown as v1.ProduceStreamRequest);
    call.write({ correlationId: '9', request: request(topic, batch('after')) });
    await waitFor(() => answers.length === 2, { timeoutMs: 10_000, message: 'two answers' });
    expect(answers[0]!.correlationId).toBe('8');
    expect(answers[0]!.requestError).toMatchObject({
      grpcStatus: grpc.status.INVALID_ARGUMENT,
      errorCode: ErrorCode.INVALID_REQUEST,
    });
    expect(answers[0]!.requestError!.errorMessage).toMatch(
      /^ProduceStream request is not a valid protobuf message/,
    );
    expect(answers[1]!.response!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);

    const broken = stream('malformed-test');
    // Field 1 with wire type 3 (a group): not even the correlation id can be read.
    broken.call.write(Buffer.from([0x0b]) as unknown as v1.ProduceStreamRequest);
    const status = await broken.ended;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.metadata.get(ERROR_CODE_METADATA_KEY)).toEqual([String(ErrorCode.INVALID_REQUEST)]);
    call.end();
  });

  it('throttles stream requests over the produce quota as it throttles unary ones', async () => {
    const topic = await writableTopic('quota');
    // 12 requests of 50 KiB in the quota's 10 s minimum window: 1.2 × the bound, per client id.
    const body = request(topic, batch('q'.repeat(50 * 1024)));
    const unaryThrottles: number[] = [];
    for (let i = 0; i < 12; i++) {
      const { error, response } = await unary('quota-unary', body);
      expect(error).toBeNull();
      unaryThrottles.push(response!.throttleTimeMs);
    }
    const { call, answers } = stream('quota-stream');
    for (const i of range(0, 12)) call.write({ correlationId: String(i + 1), request: body });
    await waitFor(() => answers.length === 12, { timeoutMs: 30_000, message: 'twelve answers' });
    const streamThrottles = answers.map((a) => a.response!.throttleTimeMs);
    // Over the bound on both paths by the last request; unthrottled before the bound.
    expect(unaryThrottles.at(-1)).toBeGreaterThan(0);
    expect(streamThrottles.at(-1)).toBeGreaterThan(0);
    expect(unaryThrottles[0]).toBe(0);
    expect(streamThrottles[0]).toBe(0);
    call.end();
  });
});
