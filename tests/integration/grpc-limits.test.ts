import {
  ERROR_CODE_METADATA_KEY,
  ErrorCode,
  encodeRecordBatch,
  GRPC_CHANNEL_OPTIONS,
  loadFjordProto,
  type v1,
} from '@fjord/protocol';
import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, startCluster } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Per-request and per-connection limits of the gRPC servers (issue #13, item 7): request size
// caps, a cap on concurrent streams per connection, the server-side bound on the acks=all wait,
// and cancelled calls that stop their work.

const COORDINATOR_MAX_REQUEST_BYTES = 64 * 1024;
const BROKER_MAX_LOOKUP_REQUEST_BYTES = 4 * 1024;
const MAX_CONCURRENT_STREAMS = 2;
const MAX_ACK_WAIT_MS = 5_000;
const GROUP_HEARTBEAT_INTERVAL_MS = 20_000;

type Unary<Req, Res> = (
  req: Req,
  options: grpc.CallOptions,
  cb: (e: grpc.ServiceError | null, r?: Res) => void,
) => grpc.ClientUnaryCall;

/** A call's answer, or its error; `call` lets the test cancel it. */
function start<Req, Res>(client: grpc.Client, fn: Unary<Req, Res>, req: Req, timeoutMs = 60_000) {
  let call: grpc.ClientUnaryCall | undefined;
  const answer = new Promise<{ error?: grpc.ServiceError; response?: Res; ms: number }>((resolve) => {
    const started = Date.now();
    call = fn.call(client, req, { deadline: Date.now() + timeoutMs }, (error, response) =>
      resolve({ error: error ?? undefined, response, ms: Date.now() - started }),
    );
  });
  return { answer, cancel: () => call?.cancel() };
}

/** `<prefix>_requests_total{api="<api>",outcome="ok"}` of a node. */
async function answeredOk(metricsUrl: string, prefix: string, api: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = new RegExp(`^${prefix}_requests_total\\{api="${api}",outcome="ok"\\} (\\d+)`, 'm').exec(text);
  return Number(line?.[1] ?? 0);
}

const fjordCode = (error: grpc.ServiceError | undefined) => error?.metadata.get(ERROR_CODE_METADATA_KEY)[0];

describe('gRPC limits (issue #13, item 7)', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  let coordinator: v1.CoordinatorServiceClient;
  let broker: v1.BrokerServiceClient;
  const replicated = randomName('limits-replicated');
  const empty = randomName('limits-empty');

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 2,
      // A paused follower must not be fenced (and so leave the ISR) while a test waits on it.
      sessionTimeoutMs: 60_000,
      coordinatorArgs: [
        '--max-request-bytes',
        String(COORDINATOR_MAX_REQUEST_BYTES),
        // Lets a settled member's heartbeat be held for long enough to cancel it.
        '--group-heartbeat-interval-ms',
        String(GROUP_HEARTBEAT_INTERVAL_MS),
      ],
      brokerArgs: [
        '--max-lookup-request-bytes',
        String(BROKER_MAX_LOOKUP_REQUEST_BYTES),
        '--max-concurrent-streams',
        String(MAX_CONCURRENT_STREAMS),
        '--max-ack-wait-ms',
        String(MAX_ACK_WAIT_MS),
        // A paused follower stays in the ISR for the whole test: acks=all waits for it.
        '--replica-lag-time-max-ms',
        '600000',
      ],
    });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'grpc-limits' });
    await fjord.admin().createTopics([
      { name: replicated, partitions: 1, replicationFactor: 2 },
      { name: empty, partitions: 1 },
    ]);
    const proto = loadFjordProto().fjord.v1;
    const insecure = grpc.credentials.createInsecure();
    coordinator = new proto.CoordinatorService(cluster.bootstrap, insecure, GRPC_CHANNEL_OPTIONS);
    const [description] = await fjord.admin().describeTopics([replicated]);
    const leader = description!.partitions[0]!.leader;
    broker = new proto.BrokerService(cluster.broker(leader).address, insecure, GRPC_CHANNEL_OPTIONS);
  }, 120_000);

  afterAll(async () => {
    for (const node of cluster?.brokers ?? []) if (node.paused) node.resume();
    coordinator?.close();
    broker?.close();
    await fjord?.close();
    await cluster?.stop();
  });

  const leaderAndFollower = async () => {
    const [description] = await fjord.admin().describeTopics([replicated]);
    const { leader, replicas } = description!.partitions[0]!;
    return {
      leader: cluster.broker(leader),
      follower: cluster.broker(replicas.find((id) => id !== leader)!),
    };
  };

  it('refuses a coordinator request over --max-request-bytes, naming both sizes, and serves one under it', async () => {
    const names = (bytes: number) => ({ topics: [{ name: 'x'.repeat(bytes), partitions: 1 }] });
    const over = await start<v1.CreateTopicsRequest, v1.CreateTopicsResponse__Output>(
      coordinator,
      coordinator.CreateTopics,
      names(COORDINATOR_MAX_REQUEST_BYTES + 1),
    ).answer;
    expect(over.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(over.error?.details).toMatch(
      new RegExp(`larger than max \\(\\d+ vs ${COORDINATOR_MAX_REQUEST_BYTES}\\)`),
    );
    const under = await start<v1.CreateTopicsRequest, v1.CreateTopicsResponse__Output>(
      coordinator,
      coordinator.CreateTopics,
      names(1_000),
    ).answer;
    expect(under.response?.topics[0]?.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('refuses a Fetch over --max-lookup-request-bytes with MESSAGE_TOO_LARGE, while a Produce of that size is served', async () => {
    const partitions = Array.from({ length: 1_000 }, (_, partition) => ({
      partition,
      fetchOffset: '0',
      partitionMaxBytes: 1024,
      currentLeaderEpoch: -1,
    }));
    const fetch = await start(broker, broker.Fetch, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: empty, partitions }],
    }).answer;
    expect(fetch.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(fjordCode(fetch.error)).toBe(String(ErrorCode.MESSAGE_TOO_LARGE));
    expect(fetch.error?.details).toMatch(
      new RegExp(
        `^Fetch request is \\d+ bytes, over this server's limit of ${BROKER_MAX_LOOKUP_REQUEST_BYTES} bytes`,
      ),
    );
    const records = encodeRecordBatch({
      records: [{ key: null, value: Buffer.alloc(8 * 1024, 1), timestamp: Date.now() }],
    });
    const produce = await start<v1.ProduceRequest, v1.ProduceResponse__Output>(broker, broker.Produce, {
      acks: 1,
      timeoutMs: 5_000,
      topics: [{ topic: replicated, partitions: [{ partition: 0, records }] }],
    }).answer;
    expect(produce.error).toBeUndefined();
    expect(produce.response?.topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.NONE);
  });

  it('answers a body that is not a protobuf message with INVALID_ARGUMENT and INVALID_REQUEST, not INTERNAL', async () => {
    const raw = new grpc.Client(cluster.bootstrap, grpc.credentials.createInsecure());
    try {
      const error = await new Promise<grpc.ServiceError | null>((resolve) =>
        raw.makeUnaryRequest(
          '/fjord.v1.CoordinatorService/CreateTopics',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
          (e) => resolve(e),
        ),
      );
      expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(fjordCode(error ?? undefined)).toBe(String(ErrorCode.INVALID_REQUEST));
      expect(error?.details).toMatch(/^CreateTopics request is not a valid protobuf message of its type: /);
    } finally {
      raw.close();
    }
  });

  it('holds at most --max-concurrent-streams calls of one connection at a time; the next waits for a free one', async () => {
    // The empty topic's leader may be the other broker: ask the one it lives on.
    const [description] = await fjord.admin().describeTopics([empty]);
    const proto = loadFjordProto().fjord.v1;
    const own = new proto.BrokerService(
      cluster.broker(description!.partitions[0]!.leader).address,
      grpc.credentials.createInsecure(),
      GRPC_CHANNEL_OPTIONS,
    );
    try {
      const polls = [0, 1, 2].map(() =>
        start(own, own.Fetch, {
          replicaId: -1,
          maxWaitMs: 1_500,
          minBytes: 1 << 20,
          maxBytes: 1 << 20,
          topics: [
            {
              topic: empty,
              partitions: [
                { partition: 0, fetchOffset: '0', partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 },
              ],
            },
          ],
        }),
      );
      const answers = await Promise.all(polls.map((p) => p.answer));
      for (const a of answers) expect(a.error).toBeUndefined();
      const times = answers.map((a) => a.ms).sort((a, b) => a - b);
      // Two long-polls run side by side; the third starts when one of them ends.
      expect(times[1]).toBeLessThan(2_900);
      expect(times[2]).toBeGreaterThanOrEqual(2_900);
    } finally {
      own.close();
    }
  });

  it('answers an acks=all produce after --max-ack-wait-ms even when it asks to wait longer', async () => {
    const { follower } = await leaderAndFollower();
    follower.pause();
    try {
      const records = encodeRecordBatch({
        records: [{ key: null, value: Buffer.from('capped'), timestamp: Date.now() }],
      });
      const produce = await start<v1.ProduceRequest, v1.ProduceResponse__Output>(broker, broker.Produce, {
        acks: -1,
        timeoutMs: 60_000,
        topics: [{ topic: replicated, partitions: [{ partition: 0, records }] }],
      }).answer;
      expect(produce.error).toBeUndefined();
      expect(produce.response?.topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
      expect(produce.response?.topics[0]?.partitions[0]?.errorMessage).toMatch(
        new RegExp(`within ${MAX_ACK_WAIT_MS} ms`),
      );
      expect(produce.ms).toBeGreaterThanOrEqual(MAX_ACK_WAIT_MS - 100);
      expect(produce.ms).toBeLessThan(MAX_ACK_WAIT_MS + 5_000);
    } finally {
      follower.resume();
    }
  }, 60_000);

  it('stops holding a cancelled ConsumerGroupHeartbeat at once', async () => {
    const proto = loadFjordProto().fjord.v1;
    const groups = new proto.GroupCoordinatorService(
      cluster.bootstrap,
      grpc.credentials.createInsecure(),
      GRPC_CHANNEL_OPTIONS,
    );
    try {
      type Req = v1.ConsumerGroupHeartbeatRequest;
      type Res = v1.ConsumerGroupHeartbeatResponse__Output;
      const base = {
        groupId: randomName('limits-group'),
        subscribedTopicNames: [empty],
        sessionTimeoutMs: 60_000,
      };
      // Join, then report owning the assignment until the member is settled (epoch and partitions as given).
      let member = (
        await start<Req, Res>(groups, groups.ConsumerGroupHeartbeat, { ...base, memberEpoch: 0 }).answer
      ).response!;
      for (let i = 0; i < 5; i++) {
        member = (
          await start<Req, Res>(groups, groups.ConsumerGroupHeartbeat, {
            ...base,
            memberId: member.memberId,
            memberEpoch: member.memberEpoch,
            ownedPartitions: member.assignment,
          }).answer
        ).response!;
      }
      const before = await answeredOk(
        cluster.coordinator.metricsUrl,
        'fjord_coordinator',
        'ConsumerGroupHeartbeat',
      );
      const held = start<Req, Res>(groups, groups.ConsumerGroupHeartbeat, {
        ...base,
        memberId: member.memberId,
        memberEpoch: member.memberEpoch,
        ownedPartitions: member.assignment,
        maxWaitMs: GROUP_HEARTBEAT_INTERVAL_MS,
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Still held: nothing changed for the member.
      expect(
        await answeredOk(cluster.coordinator.metricsUrl, 'fjord_coordinator', 'ConsumerGroupHeartbeat'),
      ).toBe(before);
      held.cancel();
      expect((await held.answer).error?.code).toBe(grpc.status.CANCELLED);
      const cancelledAt = Date.now();
      let after = before;
      while (after === before && Date.now() - cancelledAt < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await answeredOk(
          cluster.coordinator.metricsUrl,
          'fjord_coordinator',
          'ConsumerGroupHeartbeat',
        );
      }
      expect(after).toBe(before + 1);
      expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    } finally {
      groups.close();
    }
  }, 60_000);

  it('stops the acks=all wait of a cancelled produce at once', async () => {
    const { leader, follower } = await leaderAndFollower();
    follower.pause();
    try {
      const before = await answeredOk(leader.metricsUrl, 'fjord_broker', 'Produce');
      const records = encodeRecordBatch({
        records: [{ key: null, value: Buffer.from('cancelled'), timestamp: Date.now() }],
      });
      const produce = start(broker, broker.Produce, {
        acks: -1,
        timeoutMs: 60_000,
        topics: [{ topic: replicated, partitions: [{ partition: 0, records }] }],
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      produce.cancel();
      expect((await produce.answer).error?.code).toBe(grpc.status.CANCELLED);
      // The handler finished (and was counted) well before the wait's 5 s bound would end it.
      const cancelledAt = Date.now();
      let after = before;
      while (after === before && Date.now() - cancelledAt < 3_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await answeredOk(leader.metricsUrl, 'fjord_broker', 'Produce');
      }
      expect(after).toBe(before + 1);
      expect(Date.now() - cancelledAt).toBeLessThan(3_000);
    } finally {
      follower.resume();
    }
  }, 60_000);
});
