import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChannelSecurity,
  type ChannelSecurityOptions,
  ERROR_CODE_METADATA_KEY,
  loadFjordProto,
  type SecuredChannel,
  type v1,
} from '@fjord/protocol';
import type { SaslMechanismName } from '@fjord/security';
import {
  CertificatePrincipalMapper,
  createScramCredential,
  type DevelopmentCertificateFiles,
  ManualClock,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramCredentialStore,
  SessionTokens,
  writeDevelopmentCertificates,
} from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityProtocol } from '../listeners/listener-address.js';
import type { GrpcServerSecurity } from '../security/server-security.js';
import { callerOfCall } from './call-security.js';
import { type RunningGrpcServer, startGrpcServer } from './grpc-server.js';

// The client half of #13 (@fjord/protocol's ChannelSecurity, which the SDK, the node pools, the
// broker's coordinator link and the testkit dial with) against the server kit's real listeners:
// AuthService/Authenticate with SaslSession, the session-token check, TLS from files.

const { CoordinatorService } = loadFjordProto().fjord.v1;
const clock = new ManualClock(Date.now());
const store = new ScramCredentialStore();
/** Credential lookups on the server: one per SCRAM login. */
let credentialLookups = 0;
/** The principal of every call a handler answered. */
let answered: string[] = [];

let dir: string;
let certs: DevelopmentCertificateFiles;
let otherCa: DevelopmentCertificateFiles;
let ca: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fjord-client-security-'));
  certs = await writeDevelopmentCertificates(join(dir, 'ca'), {
    nodes: [{ name: 'server', dnsNames: ['fjord.test'] }],
    clients: ['alice'],
  });
  otherCa = await writeDevelopmentCertificates(join(dir, 'other'), { nodes: [{ name: 'server' }] });
  ca = await readFile(certs.caCertificate, 'utf8');
  for (const mechanism of [SCRAM_SHA_256, SCRAM_SHA_512]) {
    store.set('alice', createScramCredential(mechanism, 'alice-secret'));
  }
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function serverSecurity(saslMechanisms: SaslMechanismName[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']) {
  const security: GrpcServerSecurity = {
    tls: {
      certificateFile: certs.nodes.server!.certificate,
      keyFile: certs.nodes.server!.privateKey,
      caFile: certs.caCertificate,
    },
    clientAuth: 'requested',
    principalMapper: new CertificatePrincipalMapper({ rules: 'RULE:^CN=([^,]*),OU=clients.*$/$1/,DEFAULT' }),
    tokens: new SessionTokens({ key: { id: 'k1', secret: Buffer.alloc(32, 3) }, clock, lifetimeMs: 60_000 }),
    saslMechanisms,
    state: {
      authorizer: () => undefined,
      scramCredential: (user, mechanism) => {
        credentialLookups++;
        return store.lookup(user, mechanism);
      },
      brokerIdOf: () => undefined,
    },
  };
  return security;
}

let running: RunningGrpcServer | undefined;
const channels: SecuredChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) channel.close();
  running?.server.forceShutdown();
  running = undefined;
  credentialLookups = 0;
  answered = [];
});

async function serve(protocol: SecurityProtocol, security = serverSecurity()): Promise<string> {
  running = await startGrpcServer({
    listeners: [{ name: 'CLIENT', host: '127.0.0.1', port: 0, securityProtocol: protocol }],
    services: [
      {
        definition: CoordinatorService.service,
        handlers: {
          DescribeCluster: (
            call: grpc.ServerUnaryCall<unknown, unknown>,
            done: grpc.sendUnaryData<unknown>,
          ) => {
            // The server kit takes the token out of the metadata; the handler sees the principal.
            const { principal } = callerOfCall(call);
            answered.push(principal);
            done(null, { clusterId: principal });
          },
        },
      },
    ],
    security,
  });
  return `127.0.0.1:${running.port}`;
}

function connect(address: string, options: ChannelSecurityOptions) {
  const secured = new ChannelSecurity(options, { now: () => clock.now() }).open(address);
  channels.push(secured);
  const client = new CoordinatorService(address, secured.credentials, secured.clientOptions);
  const describe = (timeoutMs = 5_000) =>
    new Promise<v1.DescribeClusterResponse__Output>((resolve, reject) =>
      client.describeCluster({}, { deadline: Date.now() + timeoutMs }, (error, response) =>
        error || !response ? reject(error) : resolve(response),
      ),
    );
  return { secured, client, describe };
}

async function failure(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

const codeOf = (error: grpc.ServiceError) => String(error.metadata.get(ERROR_CODE_METADATA_KEY)[0]);
const alice = { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' } as const;

describe('ChannelSecurity against the server kit: SASL', () => {
  it.each(['scram-sha-256', 'scram-sha-512'] as const)(
    'logs in with %s once per channel and sends the token with every call',
    async (mechanism) => {
      const address = await serve('SASL_PLAINTEXT');
      const { describe, secured } = connect(address, { sasl: { ...alice, mechanism } });
      for (let i = 0; i < 3; i++) expect((await describe()).clusterId).toBe('User:alice');
      expect(credentialLookups).toBe(1);
      expect(secured.session?.logins).toBe(1);
      expect(answered).toHaveLength(3);
      expect(secured.session?.principal).toBe('User:alice');
    },
  );

  it('logs in with PLAIN over TLS (SASL_SSL)', async () => {
    const address = await serve('SASL_SSL');
    const { describe } = connect(address, { ssl: { ca }, sasl: { ...alice, mechanism: 'plain' } });
    expect((await describe()).clusterId).toBe('User:alice');
  });

  it('shares one login among calls started together', async () => {
    const address = await serve('SASL_PLAINTEXT');
    const { describe, secured } = connect(address, { sasl: alice });
    const answers = await Promise.all(Array.from({ length: 20 }, () => describe()));
    expect(answers.every((answer) => answer.clusterId === 'User:alice')).toBe(true);
    expect(credentialLookups).toBe(1);
    expect(secured.session?.logins).toBe(1);
  });

  it('renews the token in the background once most of its lifetime has passed', async () => {
    const address = await serve('SASL_PLAINTEXT');
    const { describe, secured } = connect(address, { sasl: alice });
    await describe();
    clock.advance(50_000); // past 80 % of the 60 s lifetime, still valid
    await describe(); // goes out with the held token and starts a renewal
    await expect.poll(() => secured.session?.logins).toBe(2);
    // The first token has expired now; the renewed one (issued at 50 s) has not, so the call
    // goes through without a refusal and another login.
    clock.advance(15_000);
    expect((await describe()).clusterId).toBe('User:alice');
    expect(secured.session?.logins).toBe(2);
    expect(credentialLookups).toBe(2);
  });

  it('logs in again once when the server refuses the token (fjord-reauthenticate), then retries the call', async () => {
    const address = await serve('SASL_PLAINTEXT');
    // The client's clock stays behind: it believes its token valid, the server finds it expired.
    const secured = new ChannelSecurity({ sasl: alice }).open(address);
    channels.push(secured);
    const client = new CoordinatorService(address, secured.credentials, secured.clientOptions);
    const describe = () =>
      new Promise<string>((resolve, reject) =>
        client.describeCluster({}, { deadline: Date.now() + 5_000 }, (error, response) =>
          error ? reject(error) : resolve(response?.clusterId ?? ''),
        ),
      );
    await describe();
    clock.advance(61_000);
    const answers = await Promise.all(Array.from({ length: 5 }, () => describe()));
    expect(answers).toEqual(Array(5).fill('User:alice'));
    expect(secured.session?.logins).toBe(2); // one login for the five refused calls
    expect(answered).toHaveLength(6);
  });

  it('fails a wrong password with SASL_AUTHENTICATION_FAILED, one login per call, no retry', async () => {
    const address = await serve('SASL_PLAINTEXT');
    const { describe, secured } = connect(address, { sasl: { ...alice, password: 'wrong' } });
    const error = await failure(describe());
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(codeOf(error)).toBe('58');
    expect(error.details).not.toContain('wrong');
    expect(secured.session?.logins).toBe(1);
    expect(answered).toHaveLength(0);
    await failure(describe());
    expect(secured.session?.logins).toBe(2);
  });

  it('fails an unknown user exactly as a wrong password', async () => {
    const address = await serve('SASL_PLAINTEXT');
    const wrong = await failure(connect(address, { sasl: { ...alice, password: 'wrong' } }).describe());
    const unknown = await failure(connect(address, { sasl: { ...alice, username: 'mallory' } }).describe());
    expect([codeOf(unknown), unknown.details]).toEqual([codeOf(wrong), wrong.details]);
  });

  it('reports a mechanism the listener does not enable (33) and SASL on a listener without it (34)', async () => {
    const address = await serve('SASL_PLAINTEXT', serverSecurity(['SCRAM-SHA-256']));
    const unsupported = await failure(connect(address, { sasl: alice }).describe());
    expect(codeOf(unsupported)).toBe('33');
    running?.server.forceShutdown();
    const plain = await serve('PLAINTEXT');
    const illegal = await failure(connect(plain, { sasl: alice }).describe());
    expect(codeOf(illegal)).toBe('34');
  });

  it('keeps the call deadline while a login cannot finish, and cancels cleanly', async () => {
    const address = await serve('SASL_PLAINTEXT');
    const { describe, client } = connect(address, { sasl: alice });
    // A stopped server accepts the connection but never answers the login.
    running?.server.forceShutdown();
    const started = Date.now();
    const error = await failure(describe(300));
    expect([grpc.status.DEADLINE_EXCEEDED, grpc.status.UNAVAILABLE]).toContain(error.code);
    expect(Date.now() - started).toBeLessThan(3_000);
    const cancelled = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.describeCluster({}, { deadline: Date.now() + 10_000 }, (e) => resolve(e));
      call.cancel();
    });
    expect(cancelled?.code).toBe(grpc.status.CANCELLED);
  });
});

describe('ChannelSecurity against the server kit: TLS', () => {
  it('checks the server against the CA given as PEM text', async () => {
    const address = await serve('SSL');
    expect((await connect(address, { ssl: { ca } }).describe()).clusterId).toBe('User:ANONYMOUS');
    const other = await readFile(otherCa.caCertificate, 'utf8');
    const refused = await failure(connect(address, { ssl: { ca: other } }).describe());
    expect(refused.code).toBe(grpc.status.UNAVAILABLE);
    expect(refused.details).toMatch(/certificate/i);
    const lax = connect(address, { ssl: { ca: other, rejectUnauthorized: false } });
    expect((await lax.describe()).clusterId).toBe('User:ANONYMOUS');
  });

  it('presents a client certificate, whose principal the server maps', async () => {
    const address = await serve('SSL');
    const cert = await readFile(certs.clients.alice!.certificate, 'utf8');
    const key = await readFile(certs.clients.alice!.privateKey, 'utf8');
    expect((await connect(address, { ssl: { ca, cert, key } }).describe()).clusterId).toBe('User:alice');
  });

  it('checks the name given as servername instead of the dialled host', async () => {
    const address = (await serve('SSL')).replace('127.0.0.1', 'localhost');
    expect((await connect(address, { ssl: { ca, servername: 'fjord.test' } }).describe()).clusterId).toBe(
      'User:ANONYMOUS',
    );
    const wrong = await failure(connect(address, { ssl: { ca, servername: 'elsewhere.test' } }).describe());
    expect(wrong.details).toMatch(/elsewhere\.test|altnames/);
  });
});
