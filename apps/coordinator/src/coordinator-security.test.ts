import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODE_METADATA_KEY, ErrorCode, loadFjordProto } from '@fjord/protocol';
import { type DevelopmentCertificateFiles, writeDevelopmentCertificates } from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COORDINATOR_CONFIG_SCHEMA } from './config/config-schema.js';
import { type RunningCoordinator, startCoordinator } from './coordinator.js';
import { securityOf } from './metadata/security-state.js';

// The coordinator with the security of a secure cluster (the contract of issue #13): an SSL
// listener that requires client certificates, node principals from `CN=<name>,OU=nodes`, the
// StandardAuthorizer with the nodes as super users. Real grpc-js clients with development
// certificates, in process.

const logger = pino({ level: 'silent' });
/** A client certificate's principal under DEFAULT mapping: its whole subject. */
const ALICE = 'User:CN=alice,OU=clients,O=Fjord development';
const MAPPING_RULES = 'RULE:^CN=([^,]*),OU=nodes.*$/$1/,DEFAULT';

type Proto = {
  fjord: {
    v1: { CoordinatorService: grpc.ServiceClientConstructor; SecurityService: grpc.ServiceClientConstructor };
  };
};

type Outcome =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; code: number; fjordCode: string; details: string };

function unary(client: grpc.Client, method: string, request: unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    (client as unknown as Record<string, (...args: unknown[]) => void>)[method]!(
      request,
      { deadline: Date.now() + 5_000 },
      (error: grpc.ServiceError | null, value: unknown) =>
        resolve(
          error
            ? {
                ok: false,
                code: error.code,
                fjordCode: String(error.metadata?.get(ERROR_CODE_METADATA_KEY)[0] ?? ''),
                details: error.details,
              }
            : { ok: true, value: value as Record<string, unknown> },
        ),
    );
  });
}

/** A port that was free a moment ago (the voters must know each other's before they start). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function answerOf(outcome: Outcome): Record<string, unknown> {
  if (!outcome.ok) throw new Error(`refused: ${outcome.details}`);
  return outcome.value;
}

describe('coordinator with mTLS and the standard authorizer (in process)', () => {
  let dir: string;
  let certs: DevelopmentCertificateFiles;
  let coordinator: RunningCoordinator | undefined;
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fjord-coordinator-mtls-'));
    certs = await writeDevelopmentCertificates(join(dir, 'certs'), {
      nodes: [
        { name: 'coordinator-1' },
        { name: 'coordinator-2' },
        { name: 'coordinator-3' },
        { name: 'broker-1' },
        { name: 'broker-2' },
      ],
      clients: ['alice'],
    });
  });

  const quorum: RunningCoordinator[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await coordinator?.stop();
    coordinator = undefined;
    await Promise.all(quorum.splice(0).map((voter) => voter.stop()));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<RunningCoordinator> {
    const node = certs.nodes['coordinator-1']!;
    const config = COORDINATOR_CONFIG_SCHEMA.parse({
      listeners: 'INTERNAL://127.0.0.1:0',
      listenerSecurityProtocolMap: 'INTERNAL:SSL',
      metricsPort: '-1',
      dataDir: join(dir, `data-${Date.now()}`),
      sslCertificateFile: node.certificate,
      sslKeyFile: node.privateKey,
      sslCaFile: certs.caCertificate,
      sslClientAuth: 'required',
      sslPrincipalMappingRules: MAPPING_RULES,
      authorizer: 'standard',
      superUsers: 'User:coordinator-1;User:broker-1;User:broker-2',
    });
    coordinator = await startCoordinator({ config, logger });
    return coordinator;
  }

  async function client(
    service: 'CoordinatorService' | 'SecurityService',
    who: { certificate: string; privateKey: string },
  ): Promise<grpc.Client> {
    const credentials = grpc.credentials.createSsl(
      await readFile(certs.caCertificate),
      await readFile(who.privateKey),
      await readFile(who.certificate),
    );
    const Service = (loadFjordProto() as unknown as Proto).fjord.v1[service];
    const made = new Service(`127.0.0.1:${coordinator!.port}`, credentials, {
      'grpc.use_local_subchannel_pool': 1,
    });
    clients.push(made);
    return made;
  }

  const registration = (brokerId: number) => ({
    brokerId,
    host: '127.0.0.1',
    port: 7400 + brokerId,
    incarnationId: `i${brokerId}`,
  });

  it('binds a broker id to its certificate principal and refuses another broker claiming it', async () => {
    const running = await start();
    const broker1 = await client('CoordinatorService', certs.nodes['broker-1']!);
    const registered = await unary(broker1, 'registerBroker', registration(1));
    expect(registered).toMatchObject({ ok: true, value: { errorCode: ErrorCode.NONE } });
    expect(securityOf(running.store.state).brokerPrincipals.get(1)).toBe('User:broker-1');
    const epoch = String(answerOf(registered).brokerEpoch);

    // broker-2 is a super user, and still may not act for broker 1.
    const broker2 = await client('CoordinatorService', certs.nodes['broker-2']!);
    for (const [method, request] of [
      ['registerBroker', registration(1)],
      ['brokerHeartbeat', { brokerId: 1, brokerEpoch: epoch, knownMetadataVersion: -1 }],
      ['alterPartition', { brokerId: 1, brokerEpoch: epoch, partitions: [] }],
      ['controlledShutdown', { brokerId: 1, brokerEpoch: epoch }],
    ] as const) {
      const refused = await unary(broker2, method, request);
      expect(refused, method).toMatchObject({
        ok: false,
        code: grpc.status.PERMISSION_DENIED,
        fjordCode: String(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
      });
      // The epoch here is a one-digit number: check that no epoch is spoken of at all.
      if (!refused.ok) expect(refused.details).not.toMatch(/epoch/i);
    }
    // broker-1 goes on, and its heartbeat answers carry the security version of its binding.
    const beat = await unary(broker1, 'brokerHeartbeat', {
      brokerId: 1,
      brokerEpoch: epoch,
      knownMetadataVersion: -1,
    });
    expect(beat).toMatchObject({ ok: true, value: { errorCode: ErrorCode.NONE } });
    expect(answerOf(beat).securityVersion).toBe(String(running.store.securityVersion));
    expect(running.store.securityVersion).toBeGreaterThan(0);
    // Only brokers read the security state: a client certificate without ACLs may not.
    const brokerSecurity = await client('SecurityService', certs.nodes['broker-1']!);
    expect(await unary(brokerSecurity, 'describeSecurityState', {})).toMatchObject({ ok: true });
    const alice = await client('SecurityService', certs.clients.alice!);
    expect(await unary(alice, 'describeSecurityState', {})).toMatchObject({
      ok: false,
      fjordCode: String(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    });
  });

  it('answers topics the ACLs do not allow with TOPIC_AUTHORIZATION_FAILED, and lists only what the caller may describe', async () => {
    await start();
    const admin = await client('SecurityService', certs.nodes['coordinator-1']!);
    const alice = await client('CoordinatorService', certs.clients.alice!);
    const topicErrors = async (name: string) => {
      const answer = answerOf(await unary(alice, 'createTopics', { topics: [{ name, partitions: 1 }] }));
      return (answer.topics as Array<{ errorCode: number; errorMessage: string }>)[0]!;
    };
    // Before any ACL: refused per topic, as Kafka does (the call itself is answered).
    const refused = await topicErrors('orders');
    expect(refused.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(refused.errorMessage).toMatch(/not authorized to create topic "orders"/);
    const created = await unary(admin, 'createAcls', {
      creations: [
        {
          resourceType: 'TOPIC',
          resourceName: 'ord',
          patternType: 'PREFIXED',
          principal: ALICE,
          host: '*',
          operation: 'CREATE',
          permission: 'ALLOW',
        },
      ],
    });
    expect(created).toMatchObject({ ok: true, value: { results: [{ errorCode: ErrorCode.NONE }] } });
    // Allowed now: it gets past authorization and fails on placement (no broker registered).
    expect((await topicErrors('orders')).errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect((await topicErrors('payments')).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    // Listings show alice what she may describe (READ on the prefix implies DESCRIBE), nothing else.
    const brokerCoordinator = await client('CoordinatorService', certs.nodes['broker-1']!);
    expect(answerOf(await unary(brokerCoordinator, 'registerBroker', registration(1))).errorCode).toBe(0);
    const superUser = await client('CoordinatorService', certs.nodes['coordinator-1']!);
    await unary(superUser, 'createTopics', {
      topics: [
        { name: 'ord-visible', partitions: 1 },
        { name: 'hidden', partitions: 1 },
      ],
    });
    await unary(admin, 'createAcls', {
      creations: [
        {
          resourceType: 'TOPIC',
          resourceName: 'ord',
          patternType: 'PREFIXED',
          principal: ALICE,
          host: '*',
          operation: 'READ',
          permission: 'ALLOW',
        },
      ],
    });
    const names = (topics: unknown) => (topics as Array<{ name: string }>).map((t) => t.name);
    expect(names(answerOf(await unary(alice, 'listTopics', {})).topics)).toEqual(['ord-visible']);
    expect(names(answerOf(await unary(alice, 'getMetadata', { topics: [] })).topics)).toEqual([
      'ord-visible',
    ]);
    const named = answerOf(await unary(alice, 'describeTopics', { topics: ['hidden', 'ord-visible'] }));
    expect((named.topics as Array<{ errorCode: number }>).map((t) => t.errorCode)).toEqual([
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      ErrorCode.NONE,
    ]);
    // Alice may not administer ACLs herself.
    const aliceSecurity = await client('SecurityService', certs.clients.alice!);
    expect(await unary(aliceSecurity, 'describeAcls', { filter: {} })).toMatchObject({
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
    });
  });

  it('replicates the security records between voters that talk to each other over mutual TLS', async () => {
    const ports = await Promise.all([1, 2, 3].map(() => freePort()));
    const voters = ports.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',');
    const started = await Promise.all(
      [1, 2, 3].map((id) => {
        const node = certs.nodes[`coordinator-${id}`]!;
        const config = COORDINATOR_CONFIG_SCHEMA.parse({
          nodeId: String(id),
          voters,
          listeners: `INTERNAL://127.0.0.1:${ports[id - 1]}`,
          listenerSecurityProtocolMap: 'INTERNAL:SSL',
          securityInterBrokerProtocol: 'SSL',
          metricsPort: '-1',
          dataDir: join(dir, `quorum-${id}-${Date.now()}`),
          sslCertificateFile: node.certificate,
          sslKeyFile: node.privateKey,
          sslCaFile: certs.caCertificate,
          sslClientAuth: 'required',
          sslPrincipalMappingRules: MAPPING_RULES,
          authorizer: 'standard',
          superUsers: 'User:coordinator-1;User:coordinator-2;User:coordinator-3',
        });
        return startCoordinator({ config, logger });
      }),
    );
    quorum.push(...started);
    const leader = await waitFor('a leader', () => started.find((voter) => voter.store.leading));
    const Service = (loadFjordProto() as unknown as Proto).fjord.v1.SecurityService;
    const node = certs.nodes['coordinator-1']!;
    const admin = new Service(
      `127.0.0.1:${leader.port}`,
      grpc.credentials.createSsl(
        await readFile(certs.caCertificate),
        await readFile(node.privateKey),
        await readFile(node.certificate),
      ),
    );
    clients.push(admin);
    const created = await unary(admin, 'createAcls', {
      creations: [
        {
          resourceType: 'GROUP',
          resourceName: 'g',
          patternType: 'LITERAL',
          principal: ALICE,
          host: '*',
          operation: 'READ',
          permission: 'ALLOW',
        },
      ],
    });
    expect(created).toMatchObject({ ok: true, value: { results: [{ errorCode: ErrorCode.NONE }] } });
    // Committed on a majority before the answer; every voter applies it.
    await waitFor('the ACL on every voter', () =>
      started.every((voter) => securityOf(voter.store.state).acls.size === 1) ? true : undefined,
    );
    expect(new Set(started.map((voter) => voter.store.securityVersion)).size).toBe(1);
  });
});
