import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelSecurity, loadFjordProto, type v1 } from '@fjord/protocol';
import { type DevelopmentCertificateFiles, writeDevelopmentCertificates } from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClientPool } from './client-pool.js';

// Node to node over mutual TLS: the pool presents the node's certificate from files, checks the
// peer against the CA file, and picks up rotated files for its next connection.

type NodeFiles = { certificate: string; privateKey: string };

describe('GrpcClientPool security', () => {
  let dir: string;
  let first: DevelopmentCertificateFiles;
  let second: DevelopmentCertificateFiles;
  let server: grpc.Server;
  let address: string;
  const live = (name: string) => join(dir, 'live', name);

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
    await install(first);
    // The peer trusts only the second CA and serves the second CA's certificate: the pool's
    // first files cannot talk to it, the rotated ones can.
    const peer = second.nodes['coordinator-1'] as NodeFiles;
    server = new grpc.Server();
    server.addService(loadFjordProto().fjord.v1.CoordinatorService.service, {
      describeCluster: (
        call: grpc.ServerUnaryCall<unknown, v1.DescribeClusterResponse>,
        callback: grpc.sendUnaryData<v1.DescribeClusterResponse>,
      ) => {
        const subject = call.getAuthContext().sslPeerCertificate?.subject;
        callback(null, { clusterId: `CN=${subject?.CN},OU=${subject?.OU}` });
      },
    });
    const credentials = grpc.ServerCredentials.createSsl(
      await readFile(second.caCertificate),
      [{ cert_chain: await readFile(peer.certificate), private_key: await readFile(peer.privateKey) }],
      true,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    address = `127.0.0.1:${port}`;
  });

  afterAll(async () => {
    server?.forceShutdown();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ask = (pool: GrpcClientPool<v1.CoordinatorServiceClient>) =>
    new Promise<string>((resolve) =>
      pool
        .get(address)
        .describeCluster({}, { deadline: Date.now() + 3_000 }, (error, response) =>
          resolve(error ? `error:${grpc.status[error.code]}` : (response?.clusterId ?? '')),
        ),
    );

  it('dials with its own certificate and the CA from files, and uses rotated files without a restart', async () => {
    const security = new ChannelSecurity({
      tlsFiles: {
        caFile: live('ca.pem'),
        certFile: live('cert.pem'),
        keyFile: live('key.pem'),
        refreshIntervalMs: 200,
      },
    });
    const pool = new GrpcClientPool({
      service: loadFjordProto().fjord.v1.CoordinatorService,
      reconnectBackoffMs: { initial: 100, max: 200 },
      security,
    });
    try {
      expect(await ask(pool)).toBe('error:UNAVAILABLE');
      await install(second);
      const deadline = Date.now() + 15_000;
      let answer = '';
      while (Date.now() < deadline && !answer.startsWith('CN=')) {
        answer = await ask(pool);
        if (!answer.startsWith('CN=')) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(answer).toBe('CN=broker-1,OU=nodes');
    } finally {
      pool.close();
    }
  });

  it('builds the same from the node settings (--security-inter-broker-protocol SSL)', async () => {
    await install(second);
    const pool = new GrpcClientPool({
      service: loadFjordProto().fjord.v1.CoordinatorService,
      reconnectBackoffMs: { initial: 100, max: 200 },
      security: {
        protocol: 'SSL',
        tls: { caFile: live('ca.pem'), certFile: live('cert.pem'), keyFile: live('key.pem') },
      },
    });
    try {
      expect(await ask(pool)).toBe('CN=broker-1,OU=nodes');
    } finally {
      pool.close();
    }
  });

  it('refuses settings that cannot work, naming the setting', () => {
    const pool = (security: ConstructorParameters<typeof GrpcClientPool>[0]['security']) => () =>
      new GrpcClientPool({
        service: loadFjordProto().fjord.v1.CoordinatorService,
        reconnectBackoffMs: { initial: 100, max: 200 },
        security,
      });
    expect(pool({ protocol: 'SSL' })).toThrow(
      /SSL needs --ssl-ca-file, --ssl-certificate-file and --ssl-key-file/,
    );
    expect(
      pool({ protocol: 'SSL', tls: { caFile: join(dir, 'missing.pem'), certFile: 'x', keyFile: 'y' } }),
    ).toThrow(/cannot read --ssl-ca-file .*missing\.pem: ENOENT/);
    expect(pool({ protocol: 'SASL_PLAINTEXT' })).toThrow(/needs --inter-broker-sasl-username/);
    expect(
      pool({
        protocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker-1', password: '' },
      }),
    ).toThrow(/needs --inter-broker-sasl-password \(or FJORD_INTER_BROKER_SASL_PASSWORD\)/);
    expect(
      pool({
        protocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'GSSAPI', username: 'broker-1', password: 'p' },
      }),
    ).toThrow(/unknown --inter-broker-sasl-mechanism 'GSSAPI'/);
    expect(
      pool({
        protocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker-1', password: 'p' },
      }),
    ).not.toThrow();
  });
});
