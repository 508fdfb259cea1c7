import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetricsRegistry, HealthClient, HealthStatus, RequestMetrics } from '@fjord/observability';
import { ERROR_CODE_METADATA_KEY, ErrorCode, loadFjordProto } from '@fjord/protocol';
import {
  CertificatePrincipalMapper,
  createScramCredential,
  type DevelopmentCertificateFiles,
  ManualClock,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramClient,
  ScramCredentialStore,
  SessionTokens,
  StandardAuthorizer,
  writeDevelopmentCertificates,
} from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SslClientAuth } from '../security/security-settings.js';
import type { GrpcServerSecurity, SecurityStateSource } from '../security/server-security.js';
import { MAX_SASL_MESSAGE_BYTES } from './authenticate-service.js';
import { authorizationOfCall, callerOfCall, REAUTHENTICATE_METADATA_KEY } from './call-security.js';
import { type GrpcListenerBinding, type RunningGrpcServer, startGrpcServer } from './grpc-server.js';

// Real grpc-js servers and clients, with the development certificates and the security
// building blocks: what a node enforces on its listeners, seen from a client.

type Proto = {
  fjord: {
    v1: {
      CoordinatorService: grpc.ServiceClientConstructor;
      AuthService: grpc.ServiceClientConstructor;
    };
  };
};
const proto = loadFjordProto() as unknown as Proto;
const { CoordinatorService, AuthService } = proto.fjord.v1;

type Answer =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; code: number; details: string; fjordCode?: string; reauthenticate?: string };

function answer(error: grpc.ServiceError | null, value: unknown): Answer {
  if (!error) return { ok: true, value: value as Record<string, unknown> };
  const [fjordCode] = error.metadata?.get(ERROR_CODE_METADATA_KEY) ?? [];
  const [reauthenticate] = error.metadata?.get(REAUTHENTICATE_METADATA_KEY) ?? [];
  return {
    ok: false,
    code: error.code,
    details: error.details,
    ...(fjordCode === undefined ? {} : { fjordCode: String(fjordCode) }),
    ...(reauthenticate === undefined ? {} : { reauthenticate: String(reauthenticate) }),
  };
}

/** A client connection: one channel, on which a login's token is bound. */
class Connection {
  readonly coordinator: grpc.Client;
  readonly auth: grpc.Client;
  token: string | undefined;

  constructor(port: number, credentials: grpc.ChannelCredentials) {
    // A channel of its own: grpc-js would otherwise share one connection between clients.
    this.auth = new AuthService(`127.0.0.1:${port}`, credentials, { 'grpc.use_local_subchannel_pool': 1 });
    this.coordinator = new CoordinatorService(`127.0.0.1:${port}`, credentials, {
      channelOverride: this.auth.getChannel(),
    });
  }

  /** A call with the login's token, another one, or none (`null`). */
  unary(method: string, request: unknown, token: string | null | undefined = this.token): Promise<Answer> {
    const metadata = new grpc.Metadata();
    if (typeof token === 'string') metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve) => {
      (this.coordinator as unknown as Record<string, (...args: unknown[]) => void>)[method]!(
        request,
        metadata,
        { deadline: Date.now() + 5_000 },
        (error: grpc.ServiceError | null, value: unknown) => resolve(answer(error, value)),
      );
    });
  }

  /** A SCRAM login over AuthService/Authenticate; the token is kept for later calls. */
  login(username: string, password: string, mechanism = 'SCRAM-SHA-512'): Promise<Answer> {
    const scram = new ScramClient(mechanism === 'SCRAM-SHA-512' ? SCRAM_SHA_512 : SCRAM_SHA_256, {
      username,
      password,
    });
    return new Promise((resolve) => {
      const stream = (
        this.auth as unknown as {
          Authenticate: () => grpc.ClientDuplexStream<unknown, Record<string, unknown>>;
        }
      ).Authenticate();
      let last: Record<string, unknown> | undefined;
      stream.on('data', (message: Record<string, unknown>) => {
        last = message;
        if (message.token) {
          this.token = String(message.token);
          return;
        }
        stream.write({ authBytes: Buffer.from(scram.finalMessage(String(message.authBytes))) });
      });
      stream.on('error', (error: grpc.ServiceError) => resolve(answer(error, undefined)));
      stream.on('end', () => resolve({ ok: true, value: last ?? {} }));
      stream.write({ mechanism, authBytes: Buffer.from(scram.firstMessage()) });
    });
  }

  close(): void {
    this.coordinator.close();
    this.auth.close();
  }
}

let dir: string;
let certs: DevelopmentCertificateFiles;
let otherCa: DevelopmentCertificateFiles;
const clock = new ManualClock(Date.now());
const credentials = new ScramCredentialStore();
let authorizer: StandardAuthorizer | undefined;
const state: SecurityStateSource = {
  authorizer: () => authorizer,
  scramCredential: credentials.lookup,
  brokerIdOf: (principal) => (principal === 'User:server' ? 1 : undefined),
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fjord-server-security-'));
  certs = await writeDevelopmentCertificates(join(dir, 'ca'), {
    nodes: [{ name: 'server' }],
    clients: ['alice'],
  });
  otherCa = await writeDevelopmentCertificates(join(dir, 'other'), {
    nodes: [{ name: 'server' }],
    clients: ['alice'],
  });
  credentials.set('alice', createScramCredential(SCRAM_SHA_512, 'alice-secret'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function security(
  clientAuth: SslClientAuth,
  tls = {
    certificateFile: certs.nodes.server!.certificate,
    keyFile: certs.nodes.server!.privateKey,
    caFile: certs.caCertificate,
  },
): GrpcServerSecurity {
  return {
    tls,
    clientAuth,
    principalMapper: new CertificatePrincipalMapper({
      rules: 'RULE:^CN=([^,]*),OU=(nodes|clients).*$/$1/,DEFAULT',
    }),
    tokens: new SessionTokens({ key: { id: 'k1', secret: Buffer.alloc(32, 7) }, clock, lifetimeMs: 60_000 }),
    saslMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
    state,
    reloadIntervalMs: 200,
  };
}

// The handlers answer with what the server established, so the tests see it from outside.
const handlers: grpc.UntypedServiceImplementation = {
  DescribeCluster: (call: grpc.ServerUnaryCall<unknown, unknown>, done: grpc.sendUnaryData<unknown>) => {
    const caller = callerOfCall(call);
    done(null, {
      clusterId: `${caller.principal}@${caller.host}`,
      coordinator: String(caller.brokerId ?? ''),
    });
  },
  DeleteTopics: (
    call: grpc.ServerUnaryCall<{ topics: string[] }, unknown>,
    done: grpc.sendUnaryData<unknown>,
  ) => {
    const denied = authorizationOfCall(call).deniedResources;
    done(null, {
      topics: call.request.topics.map((name) => ({
        name,
        errorCode: denied.find((d) => d.name === name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : 0,
      })),
    });
  },
  RegisterBroker: (_call: unknown, done: grpc.sendUnaryData<unknown>) => done(null, { brokerEpoch: '1' }),
};

let running: RunningGrpcServer | undefined;
const open: Connection[] = [];
afterEach(() => {
  for (const connection of open.splice(0)) connection.close();
  running?.server.forceShutdown();
  running = undefined;
  authorizer = undefined;
});

async function serve(
  listeners: GrpcListenerBinding[],
  options: GrpcServerSecurity,
): Promise<RunningGrpcServer> {
  running = await startGrpcServer({
    listeners,
    services: [{ definition: CoordinatorService.service, handlers }],
    security: options,
  });
  return running;
}

async function tlsCredentials(files: {
  ca: string;
  cert?: string;
  key?: string;
}): Promise<grpc.ChannelCredentials> {
  return grpc.credentials.createSsl(
    await readFile(files.ca),
    files.key ? await readFile(files.key) : null,
    files.cert ? await readFile(files.cert) : null,
  );
}

function connect(port: number, channelCredentials: grpc.ChannelCredentials): Connection {
  const connection = new Connection(port, channelCredentials);
  open.push(connection);
  return connection;
}

const alice = () => ({
  ca: certs.caCertificate,
  cert: certs.clients.alice!.certificate,
  key: certs.clients.alice!.privateKey,
});

describe('TLS listeners', () => {
  it('refuse a plaintext client, a client trusting another CA, and one without a certificate where required', async () => {
    const server = await serve(
      [{ name: 'INTERNAL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' }],
      security('required'),
    );
    const port = server.ports.get('INTERNAL')!;
    const plaintext = await connect(port, grpc.credentials.createInsecure()).unary('DescribeCluster', {});
    expect(plaintext).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    const wrongCa = await connect(
      port,
      await tlsCredentials({ ...alice(), ca: otherCa.caCertificate }),
    ).unary('DescribeCluster', {});
    expect(wrongCa).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    const noCertificate = await connect(port, await tlsCredentials({ ca: certs.caCertificate })).unary(
      'DescribeCluster',
      {},
    );
    expect(noCertificate).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    const foreignCertificate = await connect(
      port,
      await tlsCredentials({
        ca: certs.caCertificate,
        cert: otherCa.clients.alice!.certificate,
        key: otherCa.clients.alice!.privateKey,
      }),
    ).unary('DescribeCluster', {});
    expect(foreignCertificate).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    const good = await connect(port, await tlsCredentials(alice())).unary('DescribeCluster', {});
    expect(good).toEqual({ ok: true, value: expect.objectContaining({ clusterId: 'User:alice@127.0.0.1' }) });
  });

  it('with client auth requested, a client without a verified certificate is User:ANONYMOUS; with one, its mapped principal', async () => {
    const server = await serve(
      [{ name: 'SSL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' }],
      security('requested'),
    );
    const port = server.port;
    const anonymous = await connect(port, await tlsCredentials({ ca: certs.caCertificate })).unary(
      'DescribeCluster',
      {},
    );
    expect(anonymous).toMatchObject({ ok: true, value: { clusterId: 'User:ANONYMOUS@127.0.0.1' } });
    const named = await connect(port, await tlsCredentials(alice())).unary('DescribeCluster', {});
    expect(named).toMatchObject({ ok: true, value: { clusterId: 'User:alice@127.0.0.1' } });
    // A certificate of another CA is accepted at the handshake but gives no principal.
    const unverified = await connect(
      port,
      await tlsCredentials({
        ca: certs.caCertificate,
        cert: otherCa.clients.alice!.certificate,
        key: otherCa.clients.alice!.privateKey,
      }),
    ).unary('DescribeCluster', {});
    expect(unverified).toMatchObject({ ok: true, value: { clusterId: 'User:ANONYMOUS@127.0.0.1' } });
  });

  it('refuse to start an SSL listener without security, or without certificate files', async () => {
    await expect(
      startGrpcServer({
        listeners: [{ name: 'SSL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' }],
        services: [],
      }),
    ).rejects.toThrow('listener SSL is SSL, but the server was started without security');
    const { tls: _tls, ...withoutTls } = security('none');
    await expect(
      startGrpcServer({
        listeners: [{ name: 'CLIENT', host: '127.0.0.1', port: 0, securityProtocol: 'SASL_SSL' }],
        services: [],
        security: withoutTls,
      }),
    ).rejects.toThrow('listener CLIENT is SASL_SSL: it needs --ssl-certificate-file and --ssl-key-file');
    await expect(
      startGrpcServer({
        listeners: [{ name: 'SSL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' }],
        services: [],
        security: security('required', {
          certificateFile: certs.nodes.server!.certificate,
          keyFile: otherCa.nodes.server!.privateKey,
          caFile: certs.caCertificate,
        }),
      }),
    ).rejects.toThrow(/are not usable together/);
  });

  it('picks up rotated certificate files for new connections without a restart', async () => {
    const live = {
      certificateFile: join(dir, 'live.pem'),
      keyFile: join(dir, 'live-key.pem'),
      caFile: join(dir, 'live-ca.pem'),
    };
    const install = async (from: DevelopmentCertificateFiles) => {
      await copyFile(from.nodes.server!.certificate, live.certificateFile);
      await copyFile(from.nodes.server!.privateKey, live.keyFile);
      await copyFile(from.caCertificate, live.caFile);
    };
    await install(certs);
    const reloadErrors: string[] = [];
    const server = await serve([{ name: 'SSL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' }], {
      ...security('required', live),
      onTlsReloadError: (error) => reloadErrors.push(error.message),
    });
    const newClient = async () =>
      connect(
        server.port,
        await tlsCredentials({
          ca: otherCa.caCertificate,
          cert: otherCa.clients.alice!.certificate,
          key: otherCa.clients.alice!.privateKey,
        }),
      ).unary('DescribeCluster', {});
    expect(
      await connect(server.port, await tlsCredentials(alice())).unary('DescribeCluster', {}),
    ).toMatchObject({ ok: true });
    expect(await newClient()).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    // A half-written rotation (another CA's key beside the old certificate) is not used: the
    // last good set keeps serving new connections.
    await copyFile(otherCa.nodes.server!.privateKey, live.keyFile);
    for (const deadline = Date.now() + 10_000; reloadErrors.length === 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(reloadErrors.join()).toContain('are not usable together');
    expect(
      await connect(server.port, await tlsCredentials(alice())).unary('DescribeCluster', {}),
    ).toMatchObject({
      ok: true,
    });
    await install(otherCa);
    let result: Answer = await newClient();
    for (const deadline = Date.now() + 10_000; !result.ok && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      result = await newClient();
    }
    expect(result).toMatchObject({ ok: true, value: { clusterId: 'User:alice@127.0.0.1' } });
    // The old CA is no longer trusted: a client of the first CA is refused at the handshake.
    expect(
      await connect(server.port, await tlsCredentials({ ...alice(), ca: otherCa.caCertificate })).unary(
        'DescribeCluster',
        {},
      ),
    ).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
  });
});

describe('SASL listeners', () => {
  async function saslServer(protocol: 'SASL_SSL' | 'SASL_PLAINTEXT' = 'SASL_SSL') {
    const server = await serve(
      [
        { name: 'CLIENT', host: '127.0.0.1', port: 0, securityProtocol: protocol },
        { name: 'PLAIN', host: '127.0.0.1', port: 0 },
      ],
      security('none'),
    );
    const credentialsOf = async () =>
      protocol === 'SASL_SSL'
        ? tlsCredentials({ ca: certs.caCertificate })
        : grpc.credentials.createInsecure();
    return { server, port: server.ports.get('CLIENT')!, credentialsOf };
  }

  it('asks SASL_SSL clients for no certificate, while SSL listeners of the same server require one', async () => {
    const server = await serve(
      [
        { name: 'INTERNAL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' },
        { name: 'CLIENT', host: '127.0.0.1', port: 0, securityProtocol: 'SASL_SSL' },
      ],
      security('required'),
    );
    const withoutCertificate = await tlsCredentials({ ca: certs.caCertificate });
    const user = connect(server.ports.get('CLIENT')!, withoutCertificate);
    expect(await user.login('alice', 'alice-secret')).toMatchObject({ ok: true });
    expect(await user.unary('DescribeCluster', {})).toMatchObject({
      ok: true,
      value: { clusterId: 'User:alice@127.0.0.1' },
    });
    expect(
      await connect(server.ports.get('INTERNAL')!, withoutCertificate).unary('DescribeCluster', {}),
    ).toMatchObject({
      ok: false,
      code: grpc.status.UNAVAILABLE,
    });
  });

  it('a SCRAM login gives a token, and calls with it run as the user', async () => {
    const { port, credentialsOf } = await saslServer();
    const connection = connect(port, await credentialsOf());
    const login = await connection.login('alice', 'alice-secret');
    expect(login).toMatchObject({ ok: true, value: { principal: 'User:alice' } });
    expect(await connection.unary('DescribeCluster', {})).toMatchObject({
      ok: true,
      value: { clusterId: 'User:alice@127.0.0.1' },
    });
  });

  it('a wrong password and an unknown user are refused with 58, the same message, and no reauthentication hint', async () => {
    const { port, credentialsOf } = await saslServer('SASL_PLAINTEXT');
    const wrong = await connect(port, await credentialsOf()).login('alice', 'not-her-password');
    const unknown = await connect(port, await credentialsOf()).login('mallory', 'whatever');
    for (const refused of [wrong, unknown]) {
      expect(refused).toMatchObject({
        ok: false,
        code: grpc.status.UNAUTHENTICATED,
        fjordCode: String(ErrorCode.SASL_AUTHENTICATION_FAILED),
      });
      expect(refused).not.toHaveProperty('reauthenticate');
    }
    expect(wrong.ok === false && wrong.details).toBe(unknown.ok === false && unknown.details);
  });

  it('refuses a mechanism that is not enabled with 33, and a login on a listener without SASL with 34', async () => {
    const { server, port, credentialsOf } = await saslServer('SASL_PLAINTEXT');
    const plainMechanism = await new Promise<Answer>((resolve) => {
      const connection = connect(port, grpc.credentials.createInsecure());
      const stream = (
        connection.auth as unknown as { Authenticate: () => grpc.ClientDuplexStream<unknown, unknown> }
      ).Authenticate();
      stream.on('data', () => undefined);
      stream.on('error', (error: grpc.ServiceError) => resolve(answer(error, undefined)));
      stream.write({ mechanism: 'PLAIN', authBytes: Buffer.from('\0alice\0alice-secret') });
    });
    expect(plainMechanism).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      fjordCode: String(ErrorCode.UNSUPPORTED_SASL_MECHANISM),
    });
    void credentialsOf;
    const onPlaintext = await connect(server.ports.get('PLAIN')!, grpc.credentials.createInsecure()).login(
      'alice',
      'alice-secret',
    );
    expect(onPlaintext).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      fjordCode: String(ErrorCode.ILLEGAL_SASL_STATE),
    });
  });

  it('bounds a login: a message over the size cap, a stream ended early, a login not finished in time', async () => {
    running = await startGrpcServer({
      listeners: [{ name: 'CLIENT', host: '127.0.0.1', port: 0, securityProtocol: 'SASL_PLAINTEXT' }],
      services: [{ definition: CoordinatorService.service, handlers }],
      security: { ...security('none'), saslExchangeTimeoutMs: 300 },
    });
    const exchange = (send: (stream: grpc.ClientDuplexStream<unknown, unknown>) => void) =>
      new Promise<Answer>((resolve) => {
        const connection = connect(running!.port, grpc.credentials.createInsecure());
        const stream = (
          connection.auth as unknown as { Authenticate: () => grpc.ClientDuplexStream<unknown, unknown> }
        ).Authenticate();
        stream.on('data', () => undefined);
        stream.on('error', (error: grpc.ServiceError) => resolve(answer(error, undefined)));
        stream.on('end', () => resolve({ ok: true, value: {} }));
        send(stream);
      });
    const oversized = await exchange((stream) =>
      stream.write({ mechanism: 'SCRAM-SHA-512', authBytes: Buffer.alloc(MAX_SASL_MESSAGE_BYTES + 1, 0x61) }),
    );
    expect(oversized).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      fjordCode: String(ErrorCode.SASL_AUTHENTICATION_FAILED),
      details: expect.stringContaining("over this server's limit"),
    });
    const endedEarly = await exchange((stream) => {
      stream.write({
        mechanism: 'SCRAM-SHA-512',
        authBytes: Buffer.from(
          new ScramClient(SCRAM_SHA_512, { username: 'alice', password: 'x' }).firstMessage(),
        ),
      });
      stream.end();
    });
    expect(endedEarly).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      fjordCode: String(ErrorCode.ILLEGAL_SASL_STATE),
    });
    const started = Date.now();
    const stalled = await exchange(() => undefined);
    expect(stalled).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      fjordCode: String(ErrorCode.ILLEGAL_SASL_STATE),
      details: 'SASL exchange not finished within 300 ms',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('answers the health service without a token, and hides a sent token from handlers on every listener', async () => {
    const health = new HealthStatus(['fjord.v1.CoordinatorService']);
    health.setServing();
    let seen: string[] = [];
    running = await startGrpcServer({
      listeners: [
        { name: 'CLIENT', host: '127.0.0.1', port: 0, securityProtocol: 'SASL_PLAINTEXT' },
        { name: 'PLAINTEXT', host: '127.0.0.1', port: 0 },
      ],
      services: [
        {
          definition: CoordinatorService.service,
          handlers: {
            ...handlers,
            DescribeCluster: (
              call: grpc.ServerUnaryCall<unknown, unknown>,
              done: grpc.sendUnaryData<unknown>,
            ) => {
              seen = call.metadata.get('authorization').map(String);
              done(null, {});
            },
          },
        },
      ],
      health,
      security: security('none'),
    });
    const probe = new HealthClient(`127.0.0.1:${running.ports.get('CLIENT')}`);
    try {
      expect(await probe.check('fjord.v1.CoordinatorService')).toBe('SERVING');
    } finally {
      probe.close();
    }
    const connection = connect(running.ports.get('CLIENT')!, grpc.credentials.createInsecure());
    expect(await connection.login('alice', 'alice-secret')).toMatchObject({ ok: true });
    expect(await connection.unary('DescribeCluster', {})).toMatchObject({ ok: true });
    expect(seen).toEqual([]);
    seen = ['not called'];
    const plaintext = connect(running.ports.get('PLAINTEXT')!, grpc.credentials.createInsecure());
    expect(await plaintext.unary('DescribeCluster', {}, 'anything')).toMatchObject({ ok: true });
    expect(seen).toEqual([]);
  });

  it('refuses a call without a token, with an expired token, and with a token of another connection: 58 + reauthenticate', async () => {
    const { port, credentialsOf } = await saslServer();
    const first = connect(port, await credentialsOf());
    expect(await first.login('alice', 'alice-secret')).toMatchObject({ ok: true });
    const refusedWith58 = {
      ok: false,
      code: grpc.status.UNAUTHENTICATED,
      fjordCode: String(ErrorCode.SASL_AUTHENTICATION_FAILED),
      reauthenticate: '1',
    };
    expect(await first.unary('DescribeCluster', {}, null)).toMatchObject(refusedWith58);
    const other = connect(port, await credentialsOf());
    const replayed = await other.unary('DescribeCluster', {}, first.token);
    expect(replayed).toMatchObject({
      ...refusedWith58,
      details: expect.stringContaining('issued to another connection'),
    });
    expect(replayed.ok === false && replayed.details).not.toContain(first.token);
    expect(await first.unary('DescribeCluster', {}, `${first.token}x`)).toMatchObject(refusedWith58);
    clock.advance(60_001);
    expect(await first.unary('DescribeCluster', {})).toMatchObject({
      ...refusedWith58,
      details: expect.stringContaining('expired'),
    });
    // A fresh login on the same connection works again.
    expect(await first.login('alice', 'alice-secret')).toMatchObject({ ok: true });
    expect(await first.unary('DescribeCluster', {})).toMatchObject({ ok: true });
  });
});

describe('authorization', () => {
  it('refuses with PERMISSION_DENIED and the code, answers denied resources per resource, and allows what the ACLs allow', async () => {
    authorizer = new StandardAuthorizer({ superUsers: ['User:server'] });
    authorizer.createAcls([
      {
        pattern: { resourceType: 'TOPIC', name: 'orders', patternType: 'LITERAL' },
        entry: { principal: 'User:alice', host: '*', operation: 'DELETE', permission: 'ALLOW' },
      },
    ]);
    const server = await serve(
      [{ name: 'SSL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' }],
      security('required'),
    );
    const asAlice = connect(server.port, await tlsCredentials(alice()));
    const refused = await asAlice.unary('DescribeCluster', {});
    expect(refused).toMatchObject({
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      fjordCode: String(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
      details: expect.stringMatching(/DescribeCluster.*User:alice.*DESCRIBE CLUSTER/),
    });
    const deleted = await asAlice.unary('DeleteTopics', { topics: ['orders', 'payments'] });
    expect(deleted).toMatchObject({
      ok: true,
      value: {
        topics: [
          { name: 'orders', errorCode: 0 },
          { name: 'payments', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED },
        ],
      },
    });
    // Broker-only: alice may not register broker 1; the node certificate's principal is bound to broker 1.
    expect(await asAlice.unary('RegisterBroker', { brokerId: 1 })).toMatchObject({
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
      fjordCode: String(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    });
    const asNode = connect(
      server.port,
      await tlsCredentials({
        ca: certs.caCertificate,
        cert: certs.nodes.server!.certificate,
        key: certs.nodes.server!.privateKey,
      }),
    );
    expect(await asNode.unary('RegisterBroker', { brokerId: 1 })).toMatchObject({ ok: true });
    expect(await asNode.unary('RegisterBroker', { brokerId: 2 })).toMatchObject({
      ok: false,
      code: grpc.status.PERMISSION_DENIED,
    });
    expect(await asNode.unary('DescribeCluster', {})).toMatchObject({
      ok: true,
      value: { clusterId: 'User:server@127.0.0.1', coordinator: '1' },
    });
  });

  it('counts refused calls in the request metrics under the RPC and the code, never the principal', async () => {
    authorizer = new StandardAuthorizer();
    const registry = createMetricsRegistry();
    running = await startGrpcServer({
      listeners: [{ name: 'CLIENT', host: '127.0.0.1', port: 0, securityProtocol: 'SASL_PLAINTEXT' }],
      services: [{ definition: CoordinatorService.service, handlers }],
      security: security('none'),
      instrument: { metrics: new RequestMetrics(registry, 'fjord_test') },
    });
    const connection = connect(running.port, grpc.credentials.createInsecure());
    expect(await connection.unary('DescribeCluster', {})).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    expect(await connection.login('alice', 'alice-secret')).toMatchObject({ ok: true });
    expect(await connection.unary('DescribeCluster', {})).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    const text = await registry.metrics();
    expect(text).toContain(
      'fjord_test_requests_total{api="DescribeCluster",outcome="SASL_AUTHENTICATION_FAILED"} 1',
    );
    expect(text).toContain(
      'fjord_test_requests_total{api="DescribeCluster",outcome="CLUSTER_AUTHORIZATION_FAILED"} 1',
    );
    expect(text).not.toContain('alice');
  });

  it('checks nothing with --authorizer none', async () => {
    const server = await serve([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 }], security('none'));
    const anonymous = connect(server.port, grpc.credentials.createInsecure());
    expect(await anonymous.unary('DescribeCluster', {})).toMatchObject({
      ok: true,
      value: { clusterId: 'User:ANONYMOUS@127.0.0.1' },
    });
    expect(await anonymous.unary('RegisterBroker', { brokerId: 7 })).toMatchObject({ ok: true });
  });
});
