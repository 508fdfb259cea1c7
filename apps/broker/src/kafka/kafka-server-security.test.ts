import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import {
  API_MESSAGES,
  ApiKey,
  decodeMessage,
  encodeMessage,
  encodeRequestHeader,
  FrameSplitter,
  type KafkaStruct,
  Reader,
  responseHeaderVersion,
  Writer,
} from '@fjord/kafka-protocol';
import {
  CertificatePrincipalMapper,
  createScramCredential,
  type DevelopmentCertificateFiles,
  formatPrincipal,
  ManualClock,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramClient,
  ScramCredentialStore,
  SessionTokens,
  StandardAuthorizer,
  writeDevelopmentCertificates,
} from '@fjord/security';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaApi } from './api.js';
import { apiVersionsApi } from './apis/api-versions.js';
import { saslAuthenticateApi, saslHandshakeApi } from './apis/sasl.js';
import { CoordinatorUnavailableError } from './coordinator-calls.js';
import { MAX_UNAUTHENTICATED_FRAME_BYTES } from './kafka-connection.js';
import { type KafkaListener, startKafkaListener } from './kafka-server.js';
import type { KafkaSaslSettings } from './security/kafka-authentication.js';
import type { KafkaListenerSecurity } from './security/kafka-listener-security.js';

const logger = pino({ level: 'silent' });
const LIFETIME_MS = 60_000;

/**
 * A stand-in API under a real key (DescribeCluster), answering with what the connection
 * established: the principal in the error message, and whether it may DESCRIBE the cluster.
 * It exists to observe the connection; the real DescribeCluster is tested with the broker.
 */
function whoAmIApi(): KafkaApi {
  return {
    apiKey: ApiKey.DescribeCluster,
    minVersion: 0,
    maxVersion: 1,
    notes: '',
    async handle(request, { access }) {
      if (request.endpointType === 99) throw new CoordinatorUnavailableError(new Error('no leader'));
      return {
        throttleTimeMs: 0,
        errorCode: access.allowsOnCluster('DESCRIBE') ? 0 : 31,
        errorMessage: formatPrincipal(access.principal),
        endpointType: 1,
        clusterId: 'c',
        controllerId: -1,
        brokers: [],
      };
    },
    unavailable: (_request, _context, message) => ({
      throttleTimeMs: 0,
      errorCode: 15,
      errorMessage: message,
      endpointType: 1,
      clusterId: '',
      controllerId: -1,
      brokers: [],
    }),
  };
}

function apiMap(): Map<number, KafkaApi> {
  const apis: KafkaApi[] = [whoAmIApi(), saslHandshakeApi(), saslAuthenticateApi()];
  apis.push(apiVersionsApi(() => apis));
  return new Map(apis.map((api) => [api.apiKey, api]));
}

/** A Kafka client connection speaking raw frames. */
class RawClient {
  readonly #splitter = new FrameSplitter(10 * 1024 * 1024);
  readonly #frames: Buffer[] = [];
  readonly #waiters: Array<() => void> = [];
  #closed = false;
  #correlation = 0;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#frames.push(...this.#splitter.push(chunk));
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  #wake() {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async #nextFrame(): Promise<Buffer | undefined> {
    while (this.#frames.length === 0) {
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.#frames.shift();
  }

  /** Sends a request; resolves with the decoded response, or undefined when the server closed. */
  async request(apiKey: number, version: number, body: KafkaStruct): Promise<KafkaStruct | undefined> {
    const messages = API_MESSAGES.get(apiKey)!;
    const writer = new Writer();
    encodeRequestHeader(
      { apiKey, apiVersion: version, correlationId: ++this.#correlation, clientId: 't' },
      writer,
    );
    encodeMessage(messages.request, version, body, writer);
    this.sendFrame(writer.toBuffer());
    const frame = await this.#nextFrame();
    if (!frame) return undefined;
    const reader = new Reader(frame);
    expect(reader.int32()).toBe(this.#correlation);
    if (responseHeaderVersion(apiKey, version) >= 1) expect(reader.uvarint()).toBe(0);
    return decodeMessage(messages.response, version, reader);
  }

  sendFrame(payload: Buffer) {
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([size, payload]));
  }

  /** A raw (v0 SASL) token exchange. */
  async raw(token: Buffer): Promise<Buffer | undefined> {
    this.sendFrame(token);
    return this.#nextFrame();
  }

  /** Resolves true once the server has closed the connection. */
  async closedByServer(): Promise<boolean> {
    while (!this.#closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return true;
  }

  close() {
    this.socket.destroy();
  }
}

const encode = (text: string) => Buffer.from(text, 'utf8');

describe('Kafka listener security', () => {
  let dir: string;
  let certificates: DevelopmentCertificateFiles;
  const listeners: KafkaListener[] = [];
  const clients: RawClient[] = [];
  const shutdown = new AbortController();
  const store = new ScramCredentialStore();
  store.set('alice', createScramCredential(SCRAM_SHA_256, 'alice-secret'));
  store.set('alice', createScramCredential(SCRAM_SHA_512, 'alice-secret'));
  store.set('bob', createScramCredential(SCRAM_SHA_512, 'bob-secret'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fjord-kafka-tls-'));
    certificates = await writeDevelopmentCertificates(dir, {
      nodes: [{ name: 'broker-1', dnsNames: ['localhost'] }],
      clients: ['alice-client'],
    });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(listeners.splice(0).map((listener) => listener.close()));
  });
  afterAll(() => {
    shutdown.abort();
    rmSync(dir, { recursive: true, force: true });
  });

  function saslSettings(clock = new ManualClock(1_000_000)): KafkaSaslSettings {
    return {
      mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
      tokens: new SessionTokens({
        key: { id: 'k', secret: Buffer.alloc(32, 1) },
        clock,
        lifetimeMs: LIFETIME_MS,
      }),
      unknownUserSecret: Buffer.alloc(32, 2),
      lookup: store.lookup,
      clock,
    };
  }

  async function listen(security: KafkaListenerSecurity, authenticationTimeoutMs?: number): Promise<number> {
    const listener = await startKafkaListener({
      ...(authenticationTimeoutMs === undefined ? {} : { authenticationTimeoutMs }),
      host: '127.0.0.1',
      port: 0,
      apis: apiMap(),
      logger,
      shutdownSignal: shutdown.signal,
      security,
    });
    listeners.push(listener);
    return listener.port;
  }

  async function plainClient(port: number): Promise<RawClient> {
    const socket = connectTcp({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawClient(socket);
    clients.push(client);
    return client;
  }

  async function tlsClient(port: number, withCertificate: boolean): Promise<RawClient> {
    const socket = connectTls({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(certificates.caCertificate),
      ...(withCertificate
        ? {
            cert: readFileSync(certificates.clients['alice-client']!.certificate),
            key: readFileSync(certificates.clients['alice-client']!.privateKey),
          }
        : {}),
    });
    const client = new RawClient(socket);
    clients.push(client);
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    return client;
  }

  /** SaslHandshake v1 + SaslAuthenticate v2 with SCRAM; the last SaslAuthenticate answer. */
  async function scramLogin(
    client: RawClient,
    mechanism: typeof SCRAM_SHA_256,
    username: string,
    password: string,
  ) {
    const handshake = await client.request(ApiKey.SaslHandshake, 1, { mechanism: mechanism.name });
    expect(handshake?.errorCode).toBe(0);
    const scram = new ScramClient(mechanism, { username, password });
    const first = await client.request(ApiKey.SaslAuthenticate, 2, {
      authBytes: encode(scram.firstMessage()),
    });
    expect(first?.errorCode).toBe(0);
    const final = await client.request(ApiKey.SaslAuthenticate, 2, {
      authBytes: encode(scram.finalMessage((first!.authBytes as Buffer).toString('utf8'))),
    });
    if (final?.errorCode === 0) scram.verifyServerFinal((final.authBytes as Buffer).toString('utf8'));
    return final;
  }

  const whoAmI = (client: RawClient) => client.request(ApiKey.DescribeCluster, 1, { endpointType: 1 });

  it('SASL_PLAINTEXT: before a login only ApiVersions and SaslHandshake are accepted; another request closes', async () => {
    const port = await listen({
      protocol: 'SASL_PLAINTEXT',
      sasl: saslSettings(),
      authorizer: () => undefined,
    });
    const client = await plainClient(port);
    const versions = await client.request(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 't',
      clientSoftwareVersion: '1',
    });
    const keys = (versions!.apiKeys as KafkaStruct[]).map((k) => [k.apiKey, k.minVersion, k.maxVersion]);
    expect(keys).toContainEqual([ApiKey.SaslHandshake, 0, 1]);
    expect(keys).toContainEqual([ApiKey.SaslAuthenticate, 0, 2]);
    expect(await whoAmI(client)).toBeUndefined();
    expect(await client.closedByServer()).toBe(true);
  });

  it('before authentication a frame over Kafka’s sasl.server.max.receive.size closes the connection', async () => {
    const port = await listen({
      protocol: 'SASL_PLAINTEXT',
      sasl: saslSettings(),
      authorizer: () => undefined,
    });
    const client = await plainClient(port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(MAX_UNAUTHENTICATED_FRAME_BYTES + 1);
    client.socket.write(size);
    expect(await client.closedByServer()).toBe(true);
    // The same size is a frame like any other on a listener without SASL.
    const open = await listen({ protocol: 'PLAINTEXT', authorizer: () => undefined });
    const plain = await plainClient(open);
    plain.socket.write(size);
    expect(
      await Promise.race([plain.closedByServer(), new Promise((r) => setTimeout(() => r(false), 300))]),
    ).toBe(false);
  });

  it('a connection that does not log in within the authentication timeout is closed; a logged-in one stays', async () => {
    const port = await listen(
      { protocol: 'SASL_PLAINTEXT', sasl: saslSettings(), authorizer: () => undefined },
      300,
    );
    const idle = await plainClient(port);
    const loggedIn = await plainClient(port);
    expect((await scramLogin(loggedIn, SCRAM_SHA_256, 'alice', 'alice-secret'))?.errorCode).toBe(0);
    expect(await idle.closedByServer()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await whoAmI(loggedIn))?.errorMessage).toBe('User:alice');
  });

  it('a SaslAuthenticate before the handshake closes the connection', async () => {
    const port = await listen({
      protocol: 'SASL_PLAINTEXT',
      sasl: saslSettings(),
      authorizer: () => undefined,
    });
    const client = await plainClient(port);
    expect(
      await client.request(ApiKey.SaslAuthenticate, 2, { authBytes: encode('n,,n=alice,r=x') }),
    ).toBeUndefined();
  });

  it.each([SCRAM_SHA_256, SCRAM_SHA_512])(
    '$name login sets the principal and announces the session lifetime',
    async (mechanism) => {
      const port = await listen({
        protocol: 'SASL_PLAINTEXT',
        sasl: saslSettings(),
        authorizer: () => undefined,
      });
      const client = await plainClient(port);
      const final = await scramLogin(client, mechanism, 'alice', 'alice-secret');
      expect(final).toMatchObject({
        errorCode: 0,
        errorMessage: null,
        sessionLifetimeMs: BigInt(LIFETIME_MS),
      });
      expect((await whoAmI(client))?.errorMessage).toBe('User:alice');
    },
  );

  it('a wrong password gets SASL_AUTHENTICATION_FAILED with Kafka’s message, then the connection closes', async () => {
    const port = await listen({
      protocol: 'SASL_PLAINTEXT',
      sasl: saslSettings(),
      authorizer: () => undefined,
    });
    const client = await plainClient(port);
    const final = await scramLogin(client, SCRAM_SHA_256, 'alice', 'wrong');
    expect(final).toMatchObject({
      errorCode: 58,
      errorMessage:
        'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
    });
    expect(await client.closedByServer()).toBe(true);
  });

  it('an unknown user fails with the same answer as a wrong password', async () => {
    const port = await listen({
      protocol: 'SASL_PLAINTEXT',
      sasl: saslSettings(),
      authorizer: () => undefined,
    });
    const client = await plainClient(port);
    const final = await scramLogin(client, SCRAM_SHA_256, 'mallory', 'whatever');
    expect(final?.errorCode).toBe(58);
    expect(final?.errorMessage).toBe(
      'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
    );
  });

  it('a mechanism that is not enabled gets UNSUPPORTED_SASL_MECHANISM with the enabled ones, then the connection closes', async () => {
    const port = await listen({
      protocol: 'SASL_PLAINTEXT',
      sasl: saslSettings(),
      authorizer: () => undefined,
    });
    const client = await plainClient(port);
    const handshake = await client.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    expect(handshake).toEqual({ errorCode: 33, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    expect(await client.closedByServer()).toBe(true);
  });

  it('SaslHandshake v0 is followed by raw SASL tokens without Kafka headers', async () => {
    const port = await listen({
      protocol: 'SASL_PLAINTEXT',
      sasl: saslSettings(),
      authorizer: () => undefined,
    });
    const client = await plainClient(port);
    expect((await client.request(ApiKey.SaslHandshake, 0, { mechanism: 'SCRAM-SHA-512' }))?.errorCode).toBe(
      0,
    );
    const scram = new ScramClient(SCRAM_SHA_512, { username: 'bob', password: 'bob-secret' });
    const serverFirst = await client.raw(encode(scram.firstMessage()));
    const serverFinal = await client.raw(encode(scram.finalMessage(serverFirst!.toString('utf8'))));
    scram.verifyServerFinal(serverFinal!.toString('utf8'));
    expect((await whoAmI(client))?.errorMessage).toBe('User:bob');
  });

  it('after the session lifetime a request closes the connection; re-authenticating first keeps it (KIP-368)', async () => {
    const clock = new ManualClock(5_000_000);
    const port = await listen({
      protocol: 'SASL_PLAINTEXT',
      sasl: saslSettings(clock),
      authorizer: () => undefined,
    });
    const renewed = await plainClient(port);
    const expired = await plainClient(port);
    expect((await scramLogin(renewed, SCRAM_SHA_256, 'alice', 'alice-secret'))?.errorCode).toBe(0);
    expect((await scramLogin(expired, SCRAM_SHA_256, 'alice', 'alice-secret'))?.errorCode).toBe(0);
    clock.advance(LIFETIME_MS);
    expect((await scramLogin(renewed, SCRAM_SHA_256, 'alice', 'alice-secret'))?.sessionLifetimeMs).toBe(
      BigInt(LIFETIME_MS),
    );
    expect((await whoAmI(renewed))?.errorMessage).toBe('User:alice');
    expect(await whoAmI(expired)).toBeUndefined();
  });

  it('a re-authentication as another user is refused and closes the connection', async () => {
    const port = await listen({
      protocol: 'SASL_PLAINTEXT',
      sasl: saslSettings(),
      authorizer: () => undefined,
    });
    const client = await plainClient(port);
    expect((await scramLogin(client, SCRAM_SHA_512, 'alice', 'alice-secret'))?.errorCode).toBe(0);
    const again = await scramLogin(client, SCRAM_SHA_512, 'bob', 'bob-secret');
    expect(again).toMatchObject({
      errorCode: 58,
      errorMessage: 'Cannot change principals during re-authentication from User:alice: User:bob',
    });
    expect(await client.closedByServer()).toBe(true);
  });

  it('PLAINTEXT: User:ANONYMOUS, SaslHandshake answered ILLEGAL_SASL_STATE, and ACLs apply to the principal', async () => {
    const authorizer = new StandardAuthorizer({ superUsers: ['User:alice'] });
    const port = await listen({ protocol: 'PLAINTEXT', authorizer: () => authorizer });
    const client = await plainClient(port);
    expect(await whoAmI(client)).toMatchObject({ errorCode: 31, errorMessage: 'User:ANONYMOUS' });
    expect((await client.request(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' }))?.errorCode).toBe(
      34,
    );
    authorizer.createAcls([
      {
        pattern: { resourceType: 'CLUSTER', name: 'kafka-cluster', patternType: 'LITERAL' },
        entry: { principal: 'User:ANONYMOUS', host: '127.0.0.1', operation: 'DESCRIBE', permission: 'ALLOW' },
      },
    ]);
    // An ACL added while the connection is open applies to its next request.
    expect((await whoAmI(client))?.errorCode).toBe(0);
  });

  it('a handler without a reachable coordinator leader answers its API’s error instead of closing', async () => {
    const port = await listen({ protocol: 'PLAINTEXT', authorizer: () => undefined });
    const client = await plainClient(port);
    const answer = await client.request(ApiKey.DescribeCluster, 1, { endpointType: 99 });
    expect(answer).toMatchObject({ errorCode: 15, errorMessage: 'no coordinator leader is reachable' });
    expect((await whoAmI(client))?.errorCode).toBe(0);
  });

  describe('TLS', () => {
    function tlsSecurity(
      protocol: 'SSL' | 'SASL_SSL',
      clientAuth: 'none' | 'requested' | 'required',
    ): KafkaListenerSecurity {
      return {
        protocol,
        tls: {
          files: {
            certificateFile: certificates.nodes['broker-1']!.certificate,
            keyFile: certificates.nodes['broker-1']!.privateKey,
            caFile: certificates.caCertificate,
          },
          clientAuth,
          principalMapper: new CertificatePrincipalMapper({
            rules: 'RULE:^CN=([^,]*),OU=clients.*$/$1/,DEFAULT',
          }),
        },
        ...(protocol === 'SASL_SSL' ? { sasl: saslSettings() } : {}),
        authorizer: () => undefined,
      };
    }

    it('SSL with client certificates required: the principal is the mapped certificate subject', async () => {
      const port = await listen(tlsSecurity('SSL', 'required'));
      const client = await tlsClient(port, true);
      expect((await whoAmI(client))?.errorMessage).toBe('User:alice-client');
    });

    it('SSL with client certificates required refuses a client without one', async () => {
      const port = await listen(tlsSecurity('SSL', 'required'));
      // TLS 1.3 reports the refusal after the handshake: the first request finds the connection closed.
      const outcome = await tlsClient(port, false).then(
        (client) => whoAmI(client),
        (error: Error) => error,
      );
      expect(outcome === undefined || outcome instanceof Error).toBe(true);
    });

    it('SSL with client certificates requested: User:ANONYMOUS without one', async () => {
      const port = await listen(tlsSecurity('SSL', 'requested'));
      const client = await tlsClient(port, false);
      expect((await whoAmI(client))?.errorMessage).toBe('User:ANONYMOUS');
    });

    it('a plaintext client on a TLS listener gets no Kafka answer', async () => {
      const port = await listen(tlsSecurity('SSL', 'none'));
      const client = await plainClient(port);
      expect(await whoAmI(client)).toBeUndefined();
    });

    it('SASL_SSL: the SASL login decides the principal, not the certificate', async () => {
      const port = await listen(tlsSecurity('SASL_SSL', 'requested'));
      const client = await tlsClient(port, true);
      expect(await whoAmI(client)).toBeUndefined();
      const again = await tlsClient(port, true);
      expect((await scramLogin(again, SCRAM_SHA_512, 'bob', 'bob-secret'))?.errorCode).toBe(0);
      expect((await whoAmI(again))?.errorMessage).toBe('User:bob');
    });
  });

  it('refuses TLS settings that do not fit the protocol, naming the listener', async () => {
    await expect(
      startKafkaListener({
        name: 'CLIENT',
        host: '127.0.0.1',
        port: 0,
        apis: apiMap(),
        logger,
        shutdownSignal: shutdown.signal,
        security: { protocol: 'SASL_SSL', sasl: saslSettings(), authorizer: () => undefined },
      }),
    ).rejects.toThrow(/Kafka listener CLIENT is SASL_SSL: it needs --ssl-certificate-file/);
  });
});
