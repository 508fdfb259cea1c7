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
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeDevelopmentCertificates } from '../dev-certificates/write-development-certificates.js';
import { type SaslTestServer, type SaslTestServerOptions, startSaslTestServer } from './sasl-test-server.js';

// The client half of SASL over gRPC (@fjord/protocol's ChannelSecurity) against the server
// half built from this package (SaslSession, SessionTokens), over real grpc-js channels.

const servers: SaslTestServer[] = [];
const channels: SecuredChannel[] = [];

afterEach(async () => {
  for (const channel of channels.splice(0)) channel.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(options: SaslTestServerOptions = {}): Promise<SaslTestServer> {
  const started = await startSaslTestServer(options);
  servers.push(started);
  return started;
}

function connect(target: SaslTestServer, options: ChannelSecurityOptions, address = target.address) {
  const security = new ChannelSecurity(options, { now: () => target.clock.now() });
  const secured = security.open(address);
  channels.push(secured);
  const client = new (loadFjordProto().fjord.v1.CoordinatorService)(
    address,
    secured.credentials,
    secured.clientOptions,
  );
  const describe = (timeoutMs = 5_000) =>
    new Promise<v1.DescribeClusterResponse__Output>((resolve, reject) =>
      client.describeCluster({}, { deadline: Date.now() + timeoutMs }, (error, response) =>
        error || !response ? reject(error) : resolve(response),
      ),
    );
  return { secured, client, describe };
}

const alice = { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' } as const;

async function failure(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

const codeOf = (error: grpc.ServiceError) => String(error.metadata.get(ERROR_CODE_METADATA_KEY)[0]);

describe('ChannelSecurity: SASL login per channel', () => {
  it.each(['scram-sha-256', 'scram-sha-512', 'plain'] as const)(
    'logs in with %s once and sends the token with every call',
    async (mechanism) => {
      const target = await server({ mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'] });
      const { describe, secured } = connect(target, { sasl: { ...alice, mechanism } });
      for (let i = 0; i < 3; i++) expect((await describe()).clusterId).toBe('User:alice');
      expect(target.counts).toMatchObject({ logins: 1, grants: 1, answeredCalls: 3, refusedCalls: 0 });
      expect(new Set(target.tokensSeen).size).toBe(1);
      expect(secured.session?.principal).toBe('User:alice');
    },
  );

  it('shares one login among calls started together', async () => {
    const target = await server();
    const { describe, secured } = connect(target, { sasl: alice });
    const answers = await Promise.all(Array.from({ length: 20 }, () => describe()));
    expect(answers.every((answer) => answer.clusterId === 'User:alice')).toBe(true);
    expect(target.counts.logins).toBe(1);
    expect(secured.session?.logins).toBe(1);
  });

  it('renews the token in the background once most of its lifetime has passed', async () => {
    const target = await server({ lifetimeMs: 60_000 });
    const { describe } = connect(target, { sasl: alice });
    await describe();
    target.clock.advance(50_000); // past 80 % of the lifetime, still valid
    await describe(); // sent with the old token, starting a renewal
    expect(target.tokensSeen[1]).toBe(target.tokensSeen[0]);
    await expect.poll(() => target.counts.grants).toBe(2);
    await describe();
    expect(target.tokensSeen[2]).not.toBe(target.tokensSeen[0]);
    expect(target.counts.refusedCalls).toBe(0);
  });

  it('logs in before the call once the token has expired', async () => {
    const target = await server({ lifetimeMs: 60_000 });
    const { describe } = connect(target, { sasl: alice });
    await describe();
    target.clock.advance(61_000);
    expect((await describe()).clusterId).toBe('User:alice');
    expect(target.counts).toMatchObject({ logins: 2, refusedCalls: 0 });
  });

  it('logs in again once on a fjord-reauthenticate refusal and retries the call', async () => {
    const target = await server();
    const { describe } = connect(target, { sasl: alice });
    await describe();
    target.forgetTokens(); // as after a server restart: the held token is refused
    const answers = await Promise.all(Array.from({ length: 5 }, () => describe()));
    expect(answers.every((answer) => answer.clusterId === 'User:alice')).toBe(true);
    expect(target.counts.refusedCalls).toBe(5);
    expect(target.counts.logins).toBe(2); // one login for the five refused calls
    expect(target.counts.answeredCalls).toBe(6);
  });

  it('gives up after the retry is refused too, without a loop', async () => {
    const target = await server();
    const { describe } = connect(target, { sasl: alice });
    target.refuseEveryCall = true;
    const error = await failure(describe());
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(codeOf(error)).toBe('58');
    expect(target.counts).toMatchObject({ logins: 2, refusedCalls: 2 });
  });

  it('fails a wrong password with SASL_AUTHENTICATION_FAILED, one login per call, no retry', async () => {
    const target = await server();
    const { describe } = connect(target, { sasl: { ...alice, password: 'wrong' } });
    const error = await failure(describe());
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(codeOf(error)).toBe('58');
    expect(error.details).not.toContain('wrong');
    expect(target.counts).toMatchObject({ logins: 1, grants: 0, answeredCalls: 0, refusedCalls: 0 });
    await failure(describe());
    expect(target.counts.logins).toBe(2);
  });

  it('fails an unknown user the same way as a wrong password', async () => {
    const target = await server();
    const wrong = await failure(connect(target, { sasl: { ...alice, password: 'wrong' } }).describe());
    const unknown = await failure(connect(target, { sasl: { ...alice, username: 'mallory' } }).describe());
    expect(codeOf(unknown)).toBe('58');
    expect(unknown.details).toBe(wrong.details);
  });

  it('reports a mechanism the server does not enable as UNSUPPORTED_SASL_MECHANISM', async () => {
    const target = await server({ mechanisms: ['SCRAM-SHA-256'] });
    const error = await failure(connect(target, { sasl: alice }).describe());
    expect(codeOf(error)).toBe('33');
    expect(error.details).toContain('SCRAM-SHA-256');
  });

  it('keeps the call deadline while the login does not answer, and cancels cleanly', async () => {
    const target = await server({ stallLogins: true });
    const { describe, client } = connect(target, { sasl: alice });
    const started = Date.now();
    const error = await failure(describe(300));
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(3_000);
    const cancelled = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.describeCluster({}, { deadline: Date.now() + 10_000 }, (e) => resolve(e));
      setTimeout(() => call.cancel(), 50);
    });
    expect(cancelled?.code).toBe(grpc.status.CANCELLED);
  });

  it('refuses options that cannot work, naming the problem', () => {
    const sasl = (value: unknown) => () => new ChannelSecurity({ sasl: value as typeof alice });
    expect(sasl({ ...alice, mechanism: 'gssapi' })).toThrow(/unknown SASL mechanism 'gssapi'.*scram-sha-256/);
    expect(sasl({ ...alice, username: '' })).toThrow(/sasl.username is missing/);
    expect(sasl({ ...alice, password: undefined })).toThrow(/sasl.password is missing/);
    expect(() => new ChannelSecurity({ ssl: { ca: '/etc/ssl/ca.pem' } })).toThrow(/PEM text itself/);
    expect(() => new ChannelSecurity({ ssl: { cert: '-----BEGIN CERTIFICATE-----' } })).toThrow(
      /cert and ssl.key go together/,
    );
  });
});

describe('ChannelSecurity: TLS', () => {
  let dir: string;
  let ca: string;
  let otherCa: string;
  let tlsServer: grpc.ServerCredentials;
  let mutualServer: grpc.ServerCredentials;
  let clientCert: string;
  let clientKey: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fjord-channel-security-'));
    const files = await writeDevelopmentCertificates(join(dir, 'a'), {
      nodes: [{ name: 'server', dnsNames: ['fjord.test'] }],
      clients: ['alice'],
    });
    const other = await writeDevelopmentCertificates(join(dir, 'b'), { nodes: [{ name: 'server' }] });
    ca = await readFile(files.caCertificate, 'utf8');
    otherCa = await readFile(other.caCertificate, 'utf8');
    const node = files.nodes.server as { certificate: string; privateKey: string };
    const keyPair = {
      cert_chain: await readFile(node.certificate),
      private_key: await readFile(node.privateKey),
    };
    tlsServer = grpc.ServerCredentials.createSsl(null, [keyPair], false);
    mutualServer = grpc.ServerCredentials.createSsl(Buffer.from(ca), [keyPair], true);
    clientCert = await readFile(files.clients.alice?.certificate as string, 'utf8');
    clientKey = await readFile(files.clients.alice?.privateKey as string, 'utf8');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logs in over TLS (SASL_SSL) with the CA given as PEM text', async () => {
    const target = await server({ credentials: tlsServer });
    const { describe, secured } = connect(target, { ssl: { ca }, sasl: alice });
    expect((await describe()).clusterId).toBe('User:alice');
    expect(secured.session?.logins).toBe(1);
  });

  it('refuses a server whose certificate another CA signed, unless rejectUnauthorized is false', async () => {
    const target = await server({ credentials: tlsServer });
    const error = await failure(connect(target, { ssl: { ca: otherCa }, sasl: alice }).describe());
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toMatch(/certificate/i);
    const lax = connect(target, { ssl: { ca: otherCa, rejectUnauthorized: false }, sasl: alice });
    expect((await lax.describe()).clusterId).toBe('User:alice');
  });

  it('checks the name given as servername instead of the dialled host', async () => {
    const target = await server({ credentials: tlsServer });
    const localhost = target.address.replace('127.0.0.1', 'localhost');
    const named = connect(target, { ssl: { ca, servername: 'fjord.test' }, sasl: alice }, localhost);
    expect((await named.describe()).clusterId).toBe('User:alice');
    const wrongName = connect(target, { ssl: { ca, servername: 'elsewhere.test' }, sasl: alice }, localhost);
    expect((await failure(wrongName.describe())).details).toMatch(/elsewhere\.test|altnames|certificate/i);
  });

  it('presents a client certificate where the server requires one', async () => {
    const target = await server({ credentials: mutualServer });
    const without = await failure(connect(target, { ssl: { ca }, sasl: alice }).describe());
    expect(without.code).toBe(grpc.status.UNAVAILABLE);
    const withCert = connect(target, { ssl: { ca, cert: clientCert, key: clientKey }, sasl: alice });
    expect((await withCert.describe()).clusterId).toBe('User:alice');
  });
});
