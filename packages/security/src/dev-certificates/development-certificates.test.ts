import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateIdentity } from '../principal/certificate-identity.js';
import { CertificatePrincipalMapper } from '../principal/certificate-principal.js';
import { createDevelopmentCa, issueCertificate, type PemCertificate } from './development-certificates.js';
import { writeDevelopmentCertificates } from './write-development-certificates.js';

const RULES = 'RULE:^CN=([^,]*),OU=clients,.*$/$1/, RULE:^CN=([^,]*),OU=nodes,.*$/node:$1/, DEFAULT';

interface Handshake {
  readonly clientError?: string;
  readonly serverPrincipal?: string;
  readonly serverError?: string;
}

/** A TLS server requiring client certificates, on 127.0.0.1 and an ephemeral port. */
async function startServer(ca: PemCertificate, node: PemCertificate, seen: Handshake[]) {
  const mapper = new CertificatePrincipalMapper({ rules: RULES });
  const server = tls.createServer({
    key: node.privateKey,
    cert: node.certificate,
    ca: ca.certificate,
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on('secureConnection', (socket) => {
    const peer = socket.getPeerX509Certificate();
    seen.push({ serverPrincipal: peer ? `User:${mapper.principalOf(peer.raw).name}` : 'none' });
    socket.end('hello');
  });
  server.on('tlsClientError', (error) =>
    seen.push({ serverError: (error as NodeJS.ErrnoException).code ?? error.message }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function connect(port: number, options: tls.ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: true, ...options });
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('end', () => resolve(data === 'hello' ? {} : { clientError: `unexpected '${data}'` }));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve({ clientError: error.code ?? error.message });
    });
  });
}

describe('development certificates over node:tls', () => {
  let ca: PemCertificate;
  let otherCa: PemCertificate;
  let node: PemCertificate;
  let alice: PemCertificate;
  let intruder: PemCertificate;
  let server: tls.Server;
  let port: number;
  const seen: Handshake[] = [];

  beforeAll(async () => {
    ca = await createDevelopmentCa();
    otherCa = await createDevelopmentCa({ commonName: 'Some other CA' });
    node = await issueCertificate(ca, {
      commonName: 'broker-1',
      organizationalUnit: 'nodes',
      usage: 'server-and-client',
      dnsNames: ['broker-1'],
    });
    alice = await issueCertificate(ca, {
      commonName: 'alice',
      organizationalUnit: 'clients',
      usage: 'client',
    });
    intruder = await issueCertificate(otherCa, {
      commonName: 'alice',
      organizationalUnit: 'clients',
      usage: 'client',
    });
    server = await startServer(ca, node, seen);
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('puts the names in the certificates that the mapping rules and hostname checks need', () => {
    const identity = certificateIdentity(node.certificate);
    expect(identity.subject).toBe('CN=broker-1,OU=nodes,O=Fjord development');
    expect(identity.dnsNames).toEqual(['localhost', 'broker-1']);
    expect(identity.ipAddresses).toEqual(['127.0.0.1', '::1']);
    expect(certificateIdentity(alice.certificate)).toMatchObject({
      subject: 'CN=alice,OU=clients,O=Fjord development',
      dnsNames: [],
    });
    expect(new CertificatePrincipalMapper({ rules: RULES }).principalOf(node.certificate).name).toBe(
      'node:broker-1',
    );
  });

  it('completes a mutual handshake with rejectUnauthorized on both sides; the client maps to User:alice', async () => {
    seen.length = 0;
    const result = await connect(port, {
      ca: ca.certificate,
      cert: alice.certificate,
      key: alice.privateKey,
    });
    expect(result).toEqual({});
    expect(seen).toEqual([{ serverPrincipal: 'User:alice' }]);
  });

  it('verifies the server name against the SANs (localhost ok, an unlisted name refused)', async () => {
    const byName = await connect(port, {
      ca: ca.certificate,
      cert: alice.certificate,
      key: alice.privateKey,
      servername: 'localhost',
    });
    expect(byName).toEqual({});
    const wrongName = await connect(port, {
      ca: ca.certificate,
      cert: alice.certificate,
      key: alice.privateKey,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity('elsewhere.example', cert),
    });
    expect(wrongName.clientError).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('refuses a client certificate signed by another CA', async () => {
    seen.length = 0;
    const result = await connect(port, {
      ca: ca.certificate,
      cert: intruder.certificate,
      key: intruder.privateKey,
    });
    expect(result.clientError).toBeDefined();
    expect(seen.some((s) => s.serverPrincipal)).toBe(false);
  });

  it('refuses a client without a certificate where one is required', async () => {
    seen.length = 0;
    const result = await connect(port, { ca: ca.certificate });
    expect(result.clientError).toBeDefined();
    expect(seen.some((s) => s.serverPrincipal)).toBe(false);
  });

  it('makes a client that trusts another CA refuse the server', async () => {
    const result = await connect(port, {
      ca: otherCa.certificate,
      cert: alice.certificate,
      key: alice.privateKey,
    });
    expect(result.clientError).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/,
    );
  });
});

describe('writeDevelopmentCertificates', () => {
  it('writes the CA, node and client PEM files, keys readable by the owner only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fjord-dev-certs-'));
    try {
      const files = await writeDevelopmentCertificates(join(dir, 'tls'), {
        nodes: [{ name: 'broker-1', dnsNames: ['broker-1'] }, { name: 'coordinator' }],
        clients: ['admin'],
      });
      expect(await readFile(files.caCertificate, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(await readFile(files.clients.admin?.privateKey as string, 'utf8')).toMatch(
        /^-----BEGIN PRIVATE KEY-----/,
      );
      expect((await stat(files.caPrivateKey)).mode & 0o777).toBe(0o600);
      expect((await stat(files.nodes['broker-1']?.privateKey as string)).mode & 0o777).toBe(0o600);
      const node = certificateIdentity(
        await readFile(files.nodes['broker-1']?.certificate as string, 'utf8'),
      );
      expect(node).toMatchObject({
        subject: 'CN=broker-1,OU=nodes,O=Fjord development',
        dnsNames: ['localhost', 'broker-1'],
      });
      await expect(
        writeDevelopmentCertificates(dir, { nodes: [{ name: 'a' }], clients: ['a'] }),
      ).rejects.toThrow(/used twice/);
      await expect(writeDevelopmentCertificates(dir, { nodes: [{ name: '../x' }] })).rejects.toThrow(
        /cannot name certificate files/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
