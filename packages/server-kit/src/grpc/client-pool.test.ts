import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFjordProto, type v1 } from '@fjord/protocol';
import {
  CertificatePrincipalMapper,
  createScramCredential,
  type DevelopmentCertificateFiles,
  SCRAM_SHA_512,
  ScramCredentialStore,
  SessionTokens,
  systemClock,
  writeDevelopmentCertificates,
} from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../config/secret.js';
import type { SecurityProtocol } from '../listeners/listener-address.js';
import type { GrpcServerSecurity, NodeClientSecurity } from '../security/server-security.js';
import { callerOfCall } from './call-security.js';
import { GrpcClientPool } from './client-pool.js';
import { type RunningGrpcServer, startGrpcServer } from './grpc-server.js';
import { nodeChannelSecurity } from './node-channel-security.js';

// Node to node (--security-inter-broker-protocol) against the server kit's listeners: the
// pool presents the node's certificate from its files and checks the peer against its CA file,
// picks up rotated files for its next connection, and over SASL_* logs in as the node's user.

const { CoordinatorService } = loadFjordProto().fjord.v1;
type NodeFiles = { certificate: string; privateKey: string };

let dir: string;
let first: DevelopmentCertificateFiles;
let second: DevelopmentCertificateFiles;
const live = (name: string) => join(dir, 'live', name);
const liveTls = () => ({ ca: live('ca.pem'), cert: live('cert.pem'), key: live('key.pem') });

async function install(from: DevelopmentCertificateFiles): Promise<void> {
  const node = from.nodes['broker-1'] as NodeFiles;
  await copyFile(node.certificate, live('cert.pem'));
  await copyFile(node.privateKey, live('key.pem'));
  await copyFile(from.caCertificate, live('ca.pem'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fjord-client-pool-'));
  const nodes = [{ name: 'coordinator-1' }, { name: 'broker-1' }];
  first = await writeDevelopmentCertificates(join(dir, 'first'), { nodes });
  second = await writeDevelopmentCertificates(join(dir, 'second'), { nodes });
  await mkdir(join(dir, 'live'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

let running: RunningGrpcServer | undefined;
const pools: GrpcClientPool<v1.CoordinatorServiceClient>[] = [];
afterEach(() => {
  for (const pool of pools.splice(0)) pool.close();
  running?.server.forceShutdown();
  running = undefined;
});

/** A peer (coordinator-1 of the second CA) with one listener; client certificates required. */
async function peer(protocol: SecurityProtocol): Promise<string> {
  const node = second.nodes['coordinator-1'] as NodeFiles;
  const store = new ScramCredentialStore();
  store.set('broker-1', createScramCredential(SCRAM_SHA_512, 'broker-secret'));
  const security: GrpcServerSecurity = {
    tls: { certificateFile: node.certificate, keyFile: node.privateKey, caFile: second.caCertificate },
    clientAuth: 'required',
    principalMapper: new CertificatePrincipalMapper({ rules: 'RULE:^CN=([^,]*),OU=nodes.*$/$1/,DEFAULT' }),
    tokens: new SessionTokens({ key: { id: 'k1', secret: Buffer.alloc(32, 1) }, clock: systemClock }),
    saslMechanisms: ['SCRAM-SHA-512'],
    state: { authorizer: () => undefined, scramCredential: store.lookup, brokerIdOf: () => undefined },
  };
  running = await startGrpcServer({
    listeners: [{ name: 'INTERNAL', host: '127.0.0.1', port: 0, securityProtocol: protocol }],
    services: [
      {
        definition: CoordinatorService.service,
        handlers: {
          DescribeCluster: (
            call: grpc.ServerUnaryCall<unknown, unknown>,
            done: grpc.sendUnaryData<unknown>,
          ) => done(null, { clusterId: callerOfCall(call).principal }),
        },
      },
    ],
    security,
  });
  return `127.0.0.1:${running.port}`;
}

function pool(security: NodeClientSecurity | ReturnType<typeof nodeChannelSecurity>) {
  const created = new GrpcClientPool({
    service: CoordinatorService,
    reconnectBackoffMs: { initial: 100, max: 200 },
    security,
  });
  pools.push(created);
  return created;
}

const ask = (from: GrpcClientPool<v1.CoordinatorServiceClient>, address: string) =>
  new Promise<string>((resolve) =>
    from
      .get(address)
      .describeCluster({}, { deadline: Date.now() + 3_000 }, (error, response) =>
        resolve(error ? `error:${grpc.status[error.code]}` : (response?.clusterId ?? '')),
      ),
  );

describe('GrpcClientPool security (node to node)', () => {
  it('over SSL presents its certificate from files, and uses rotated files without a restart', async () => {
    const address = await peer('SSL');
    await install(first); // a CA the peer does not trust, and that does not trust the peer
    const nodes = pool(nodeChannelSecurity({ protocol: 'SSL', tls: liveTls() }, { reloadIntervalMs: 200 }));
    expect(await ask(nodes, address)).toBe('error:UNAVAILABLE');
    await install(second);
    let answer = '';
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && answer !== 'User:broker-1') {
      answer = await ask(nodes, address);
      if (answer !== 'User:broker-1') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(answer).toBe('User:broker-1');
  });

  it('over SASL_SSL logs in as the inter-broker user, with its certificate presented too', async () => {
    const address = await peer('SASL_SSL');
    await install(second);
    const sasl = {
      mechanism: 'SCRAM-SHA-512' as const,
      username: 'broker-1',
      password: new Secret('broker-secret'),
    };
    expect(await ask(pool({ protocol: 'SASL_SSL', tls: liveTls(), sasl }), address)).toBe('User:broker-1');
    const wrong = { ...sasl, password: new Secret('wrong') };
    expect(await ask(pool({ protocol: 'SASL_SSL', tls: liveTls(), sasl: wrong }), address)).toBe(
      'error:UNAUTHENTICATED',
    );
  });

  it('over PLAINTEXT (the default) dials without TLS', async () => {
    const address = await peer('PLAINTEXT');
    expect(await ask(pool({ protocol: 'PLAINTEXT' }), address)).toBe('User:ANONYMOUS');
  });

  it('refuses settings that cannot work, naming the setting or the file', async () => {
    await install(second);
    expect(() => pool({ protocol: 'SSL' })).toThrow(
      /SSL needs --ssl-ca-file, --ssl-certificate-file and --ssl-key-file/,
    );
    expect(() => pool({ protocol: 'SSL', tls: { ...liveTls(), ca: join(dir, 'missing.pem') } })).toThrow(
      /cannot read the CA file .*missing\.pem/,
    );
    expect(() =>
      pool({
        protocol: 'SSL',
        tls: { ...liveTls(), key: (first.nodes['broker-1'] as NodeFiles).privateKey },
      }),
    ).toThrow(/not usable together/);
    expect(() => pool({ protocol: 'SASL_PLAINTEXT' })).toThrow(
      /needs --inter-broker-sasl-username and --inter-broker-sasl-password/,
    );
  });
});
