import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientHostFromGrpcPeer } from '../acl/client-host.js';
import { CertificatePrincipalMapper } from '../principal/certificate-principal.js';
import {
  type DevelopmentCertificateFiles,
  writeDevelopmentCertificates,
} from './write-development-certificates.js';

// What the wiring step will rely on, shown with grpc-js itself: the development certificates
// serve mutual TLS over gRPC, the handler sees the client certificate (and so the principal),
// and grpc-js's FileWatcherCertificateProvider picks up rotated files without a restart.

const identity = (value: Buffer) => value;
const WHO_AM_I = {
  whoAmI: {
    path: '/fjord.test.Identity/WhoAmI',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} satisfies grpc.ServiceDefinition;
const IdentityClient = grpc.makeGenericClientConstructor(WHO_AM_I, 'Identity');
const mapper = new CertificatePrincipalMapper({ rules: 'RULE:^CN=([^,]*),OU=clients,.*$/$1/' });

type Files = { ca: string; cert?: string | undefined; key?: string | undefined };

async function ask(port: number, files: Files): Promise<string> {
  const credentials = grpc.credentials.createSsl(
    await readFile(files.ca),
    files.key ? await readFile(files.key) : null,
    files.cert ? await readFile(files.cert) : null,
  );
  const client = new IdentityClient(`127.0.0.1:${port}`, credentials, {
    'grpc.use_local_subchannel_pool': 1,
  });
  try {
    return await new Promise((resolve) => {
      client.makeUnaryRequest(
        WHO_AM_I.whoAmI.path,
        identity,
        identity,
        Buffer.alloc(0),
        { deadline: Date.now() + 5000 },
        (error: grpc.ServiceError | null, value?: Buffer) =>
          resolve(error ? `error:${grpc.status[error.code]}` : String(value)),
      );
    });
  } finally {
    client.close();
  }
}

describe('development certificates with grpc-js mutual TLS', () => {
  let dir: string;
  let first: DevelopmentCertificateFiles;
  let second: DevelopmentCertificateFiles;
  let live: { cert: string; key: string; ca: string };
  let server: grpc.Server;
  let port: number;

  async function install(from: DevelopmentCertificateFiles): Promise<void> {
    const node = from.nodes.server as { certificate: string; privateKey: string };
    await copyFile(node.certificate, live.cert);
    await copyFile(node.privateKey, live.key);
    await copyFile(from.caCertificate, live.ca);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fjord-grpc-tls-'));
    first = await writeDevelopmentCertificates(join(dir, 'first'), {
      nodes: [{ name: 'server' }],
      clients: ['alice'],
    });
    second = await writeDevelopmentCertificates(join(dir, 'second'), {
      nodes: [{ name: 'server' }],
      clients: ['alice'],
    });
    live = { cert: join(dir, 'live-cert.pem'), key: join(dir, 'live-key.pem'), ca: join(dir, 'live-ca.pem') };
    await install(first);
    const provider = new grpc.experimental.FileWatcherCertificateProvider({
      certificateFile: live.cert,
      privateKeyFile: live.key,
      caCertificateFile: live.ca,
      refreshIntervalMs: 200,
    });
    server = new grpc.Server();
    server.addService(WHO_AM_I, {
      whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const peer = call.getAuthContext().sslPeerCertificate;
        const principal = peer?.raw ? `User:${mapper.principalOf(peer.raw).name}` : 'no certificate';
        // The ACL host of the caller, read from what grpc-js reports as the peer.
        callback(null, Buffer.from(`${principal}@${clientHostFromGrpcPeer(call.getPeer())}`));
      },
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        '127.0.0.1:0',
        grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true),
        (error, bound) => (error ? reject(error) : resolve(bound)),
      ),
    );
  });

  afterAll(async () => {
    server?.forceShutdown();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const client = (from: DevelopmentCertificateFiles, ca = from.caCertificate): Files => ({
    ca,
    cert: from.clients.alice?.certificate,
    key: from.clients.alice?.privateKey,
  });

  it('serves a client certificate of its CA and gives the handler the principal and the ACL host', async () => {
    expect(await ask(port, client(first))).toBe('User:alice@127.0.0.1');
  });

  it('refuses a client without a certificate and a client that trusts another CA', async () => {
    expect(await ask(port, { ca: first.caCertificate })).toBe('error:UNAVAILABLE');
    expect(await ask(port, client(first, second.caCertificate))).toBe('error:UNAVAILABLE');
  });

  it('picks up rotated certificate files without a restart', async () => {
    expect(await ask(port, client(second))).toBe('error:UNAVAILABLE');
    await install(second);
    const deadline = Date.now() + 10_000;
    let answer = '';
    while (Date.now() < deadline) {
      answer = await ask(port, client(second));
      if (answer === 'User:alice@127.0.0.1') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(answer).toBe('User:alice@127.0.0.1');
    // The old CA is no longer trusted by the server, so the old client certificate is refused.
    expect(await ask(port, client(first, second.caCertificate))).toBe('error:UNAVAILABLE');
  });
});
