import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODE_METADATA_KEY, ErrorCode, loadFjordProto, type v1 } from '@fjord/protocol';
import {
  CertificatePrincipalMapper,
  type DevelopmentCertificateFiles,
  SessionTokens,
  systemClock,
  writeDevelopmentCertificates,
} from '@fjord/security';
import { type GrpcServerSecurity, loadConfig } from '@fjord/server-kit';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerChannelSecurity } from '../cluster/node-channel-security.js';
import { replica } from '../cluster/replica.fixture.js';
import { BROKER_CONFIG_SCHEMA, BROKER_SETTINGS } from '../config/schema.js';
import { batchOf } from '../log/temp-store.fixture.js';
import { ClientByteRateQuota } from '../quotas/client-quotas.js';
import { BrokerClients, callUnary } from '../replication/broker-clients.js';
import { BrokerSecurityState } from '../security/broker-security-state.js';
import { type BrokerHarness, startBrokerHarness } from './broker-harness.fixture.js';
import { CLIENT_ID_METADATA_KEY } from './grpc-call-access.js';

// The broker's BrokerService behind the server kit's security, in-process over TLS with the
// development certificates: principals from client certificates, the broker's copy of the
// ACLs and broker bindings, and what each caller is answered.

const ORDERS = '11111111-2222-4333-8444-555555555555';
const SECRET = '99999999-2222-4333-8444-555555555555';
const NODE_RULES = 'RULE:^CN=([^,]*),OU=(nodes|clients).*$/$1/,DEFAULT';

let dir: string;
let certs: DevelopmentCertificateFiles;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fjord-secure-broker-'));
  certs = await writeDevelopmentCertificates(dir, {
    nodes: [{ name: 'broker-1' }, { name: 'broker-2' }],
    clients: ['alice'],
  });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The coordinator's answer: alice may write and read `orders`; broker ids bound to their principals. */
const CLUSTER_STATE: v1.DescribeSecurityStateResponse__Output = {
  securityVersion: '4',
  acls: ['WRITE', 'READ'].map((operation) => ({
    resourceType: 'TOPIC',
    resourceName: 'orders',
    patternType: 'LITERAL',
    principal: 'User:alice',
    host: '*',
    operation,
    permission: 'ALLOW',
  })),
  credentials: [],
  brokerPrincipals: [
    { brokerId: 1, principal: 'User:broker-1' },
    { brokerId: 2, principal: 'User:broker-2' },
  ],
};

let harness: BrokerHarness | undefined;
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

async function start(
  describeState: () => Promise<v1.DescribeSecurityStateResponse__Output>,
  quotas?: BrokerHarness['deps']['quotas'],
  copyWaitMs = 2_000,
) {
  const state = new BrokerSecurityState({
    authorizer: 'standard',
    superUsers: ['User:broker-1', 'User:broker-2'],
    allowEveryoneIfNoAclFound: false,
    describe: describeState,
    logger: pino({ level: 'silent' }),
  });
  state.start();
  await state.whenLoaded(copyWaitMs);
  const server: GrpcServerSecurity = {
    tls: {
      certificateFile: certs.nodes['broker-1']!.certificate,
      keyFile: certs.nodes['broker-1']!.privateKey,
      caFile: certs.caCertificate,
    },
    clientAuth: 'required',
    principalMapper: new CertificatePrincipalMapper({ rules: NODE_RULES }),
    tokens: new SessionTokens({
      key: { id: 'k1', secret: Buffer.alloc(32, 7) },
      clock: systemClock,
      lifetimeMs: 60_000,
    }),
    saslMechanisms: ['SCRAM-SHA-512'],
    state: state.grpcServerState(),
  };
  harness = await startBrokerHarness(
    [replica('orders', ORDERS, 0, { replicas: [1, 2], isr: [1] }), replica('secret', SECRET, 0)],
    { security: { state, server }, ...(quotas && { quotas }) },
  );
  return { harness, state };
}

/** A BrokerService client presenting `who`'s certificate. */
async function clientOf(who: 'alice' | 'broker-1' | 'broker-2'): Promise<v1.BrokerServiceClient> {
  const files = who === 'alice' ? certs.clients.alice! : certs.nodes[who]!;
  const credentials = grpc.credentials.createSsl(
    await readFile(certs.caCertificate),
    await readFile(files.privateKey),
    await readFile(files.certificate),
  );
  const Service = loadFjordProto().fjord.v1.BrokerService;
  const client = new Service(`localhost:${harness!.port}`, credentials, {
    'grpc.use_local_subchannel_pool': 1,
  });
  clients.push(client);
  return client;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; code: number; fjordCode: string; details: string };

function call<Req, Res>(client: v1.BrokerServiceClient, method: 'produce' | 'fetch', request: Req) {
  return new Promise<Outcome<Res>>((resolve) => {
    const metadata = new grpc.Metadata();
    metadata.set(CLIENT_ID_METADATA_KEY, 'app');
    const fn = client[method] as unknown as (
      req: Req,
      metadata: grpc.Metadata,
      options: grpc.CallOptions,
      cb: (error: grpc.ServiceError | null, value?: Res) => void,
    ) => void;
    fn.call(client, request, metadata, { deadline: Date.now() + 5_000 }, (error, value) =>
      resolve(
        error
          ? {
              ok: false,
              code: error.code,
              fjordCode: String(error.metadata.get(ERROR_CODE_METADATA_KEY)[0] ?? ''),
              details: error.details,
            }
          : { ok: true, value: value! },
      ),
    );
  });
}

const produce = (client: v1.BrokerServiceClient, topics: string[]) =>
  call<v1.ProduceRequest, v1.ProduceResponse__Output>(client, 'produce', {
    acks: 1,
    timeoutMs: 1_000,
    topics: topics.map((topic) => ({ topic, partitions: [{ partition: 0, records: batchOf([1]) }] })),
  });

const fetch = (client: v1.BrokerServiceClient, topics: string[], replicaId = -1) =>
  call<v1.FetchRequest, v1.FetchResponse__Output>(client, 'fetch', {
    replicaId,
    maxWaitMs: 0,
    minBytes: 1,
    topics: topics.map((topic) => ({
      topic,
      partitions: [{ partition: 0, fetchOffset: '0', currentLeaderEpoch: -1 }],
    })),
  });

/** One FetchStream request over `topics`; its answer, or how the stream ended. */
const fetchStream = (client: v1.BrokerServiceClient, topics: string[], replicaId = -1) =>
  new Promise<
    | { ok: true; value: v1.FetchResponse__Output }
    | { ok: false; fjordCode: string | undefined; details: string }
  >((resolve) => {
    const stream = client.fetchStream();
    stream.on('data', (value: v1.FetchResponse__Output) => {
      resolve({ ok: true, value });
      stream.cancel();
    });
    stream.on('error', (error: grpc.ServiceError) =>
      resolve({
        ok: false,
        fjordCode: error.metadata?.get(ERROR_CODE_METADATA_KEY)[0]?.toString(),
        details: error.details,
      }),
    );
    stream.write({
      replicaId,
      maxWaitMs: 0,
      minBytes: 1,
      topics: topics.map((topic) => ({
        topic,
        partitions: [{ partition: 0, fetchOffset: '0', currentLeaderEpoch: -1 }],
        removedPartitions: [],
      })),
    });
  });

const codes = (response: { topics: Array<{ topic: string; partitions: Array<{ errorCode: number }> }> }) =>
  Object.fromEntries(response.topics.map((t) => [t.topic, t.partitions.map((p) => p.errorCode)]));

describe('BrokerService with security on', () => {
  it('answers the topics a principal may not use with TOPIC_AUTHORIZATION_FAILED, and serves the rest', async () => {
    const { harness: h } = await start(async () => CLUSTER_STATE);
    const alice = await clientOf('alice');
    const produced = await produce(alice, ['orders', 'secret']);
    expect(produced.ok && codes(produced.value)).toEqual({
      orders: [ErrorCode.NONE],
      secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
    expect(h.replicas.get('orders', 0)!.log.logEndOffset).toBe(1n);
    expect(h.replicas.get('secret', 0)!.log.logEndOffset).toBe(0n);
    const fetched = await fetch(alice, ['orders', 'secret']);
    expect(fetched.ok && codes(fetched.value)).toEqual({
      orders: [ErrorCode.NONE],
      secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    });
  });

  it('authorizes every FetchStream request as Fetch: per-partition denials, forged replica sessions refused', async () => {
    await start(async () => CLUSTER_STATE);
    const alice = await clientOf('alice');
    await produce(alice, ['orders']);
    const fetched = await fetchStream(alice, ['orders', 'secret']);
    // A session answers only partitions with records or errors: orders has none below its
    // high watermark yet (its follower, broker 2, has not fetched), secret is denied.
    expect(fetched.ok && codes(fetched.value)).toEqual({ secret: [ErrorCode.TOPIC_AUTHORIZATION_FAILED] });
    const forged = await fetchStream(alice, ['orders'], 2);
    expect(forged).toMatchObject({ ok: false, fjordCode: String(ErrorCode.CLUSTER_AUTHORIZATION_FAILED) });
    // Broker 2 as itself: a follower session, which copies up to the log end.
    const follower = await fetchStream(await clientOf('broker-2'), ['orders'], 2);
    expect(follower.ok && codes(follower.value)).toEqual({ orders: [ErrorCode.NONE] });
    expect(follower.ok && follower.value.topics[0]!.partitions[0]!.records.length).toBeGreaterThan(0);
  });

  it('refuses a forged replica fetch: a client, or a broker claiming another broker id', async () => {
    const { harness: h } = await start(async () => CLUSTER_STATE);
    const alice = await clientOf('alice');
    await produce(alice, ['orders']);
    const leader = h.replicas.get('orders', 0)!;
    expect(leader.log.highWatermark).toBe(0n);

    // The attack of issue #13: a client that may READ the topic poses as follower 2.
    const forged = await fetch(alice, ['orders'], 2);
    expect(forged).toMatchObject({
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      fjordCode: String(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    });
    // Broker 1 is a super user, and still may not speak for broker 2.
    const otherBroker = await fetch(await clientOf('broker-1'), ['orders'], 2);
    expect(otherBroker).toMatchObject({
      ok: false,
      fjordCode: String(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    });
    expect(otherBroker.ok === false && otherBroker.details).toContain('may not act for broker 2');

    // Broker 2 fetching as itself is a follower fetch: it copies up to the log end.
    const follower = await fetch(await clientOf('broker-2'), ['orders'], 2);
    expect(follower.ok && codes(follower.value)).toEqual({ orders: [ErrorCode.NONE] });
    expect(follower.ok && follower.value.topics[0]!.partitions[0]!.records.length).toBeGreaterThan(0);
  });

  it('before its first copy of the ACLs serves super users only, and refuses others retriably', async () => {
    let provide: (state: v1.DescribeSecurityStateResponse__Output) => void = () => {};
    const pending = new Promise<v1.DescribeSecurityStateResponse__Output>((resolve) => {
      provide = resolve;
    });
    const { state } = await start(() => pending, undefined, 0);
    expect(state.awaitingFirstCopy).toBe(true);
    const alice = await clientOf('alice');
    const refused = await produce(alice, ['orders']);
    expect(refused).toMatchObject({
      ok: false,
      code: grpc.status.UNAVAILABLE,
      fjordCode: String(ErrorCode.BROKER_NOT_AVAILABLE),
    });
    const superUser = await produce(await clientOf('broker-2'), ['orders']);
    expect(superUser.ok && codes(superUser.value)).toEqual({ orders: [ErrorCode.NONE] });
    // A replica's fetch needs the broker bindings, which are not there yet.
    const replicaFetch = await fetch(await clientOf('broker-2'), ['orders'], 2);
    expect(replicaFetch).toMatchObject({ ok: false, fjordCode: String(ErrorCode.BROKER_NOT_AVAILABLE) });

    provide(CLUSTER_STATE);
    await state.whenLoaded(2_000);
    const served = await produce(alice, ['orders']);
    expect(served.ok && codes(served.value)).toEqual({ orders: [ErrorCode.NONE] });
  });

  it("a follower's replica fetcher dials with --security-inter-broker-protocol SSL and is served as itself", async () => {
    await start(async () => CLUSTER_STATE);
    const follower = (brokerId: number) => {
      const loaded = loadConfig({
        settings: BROKER_SETTINGS,
        schema: BROKER_CONFIG_SCHEMA,
        argv: [
          ...['--broker-id', String(brokerId), '--security-inter-broker-protocol', 'SSL'],
          ...['--ssl-ca-file', certs.caCertificate],
          ...['--ssl-certificate-file', certs.nodes[`broker-${brokerId}`]!.certificate],
          ...['--ssl-key-file', certs.nodes[`broker-${brokerId}`]!.privateKey],
        ],
        env: {},
      });
      if (loaded.kind !== 'ok') throw new Error(`config: ${JSON.stringify(loaded)}`);
      const fetcher = new BrokerClients(brokerChannelSecurity(loaded.config));
      fetcher.setBrokers([{ id: 1, host: 'localhost', port: harness!.port, alive: true }]);
      return fetcher;
    };
    const request = (replicaId: number): v1.FetchRequest => ({
      replicaId,
      maxWaitMs: 0,
      minBytes: 1,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '0', currentLeaderEpoch: -1 }] }],
    });
    const broker2 = follower(2);
    const broker1 = follower(1);
    try {
      const served = await callUnary<v1.FetchRequest, v1.FetchResponse__Output>(
        broker2.client(1)!,
        'fetch',
        request(2),
        5_000,
      );
      expect(codes(served)).toEqual({ orders: [ErrorCode.NONE] });
      // The same fetcher code with broker 1's certificate cannot pass for broker 2.
      await expect(callUnary(broker1.client(1)!, 'fetch', request(2), 5_000)).rejects.toMatchObject({
        code: grpc.status.PERMISSION_DENIED,
      });
    } finally {
      broker2.close();
      broker1.close();
    }
  });

  it('counts quotas per principal of the client certificate', async () => {
    const produceQuota = new ClientByteRateQuota({ bytesPerSecond: 1 });
    await start(async () => CLUSTER_STATE, {
      produce: produceQuota,
      fetch: new ClientByteRateQuota({ bytesPerSecond: undefined }),
    });
    const produced = await produce(await clientOf('alice'), ['orders']);
    expect(produced.ok && produced.value.throttleTimeMs).toBeGreaterThan(0);
    expect(produceQuota.mutedForMs({ principal: 'User:alice', clientId: 'app' })).toBeGreaterThan(0);
    expect(produceQuota.mutedForMs({ principal: 'User:ANONYMOUS', clientId: 'app' })).toBe(0);
  });
});
