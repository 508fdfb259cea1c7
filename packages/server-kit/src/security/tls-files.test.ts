import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import {
  CertificatePrincipalMapper,
  type DevelopmentCertificateFiles,
  formatPrincipal,
  writeDevelopmentCertificates,
} from '@fjord/security';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SslClientAuth } from './security-settings.js';
import type { TlsFiles } from './server-security.js';
import { readTlsMaterial } from './tls-file-watcher.js';
import { principalOfTlsSocket, reloadTlsServer, tlsServerOptions } from './tls-files.js';

// What a node:tls listener (the broker's Kafka listeners) builds from the same files as the
// gRPC listeners: the options, the principal of a connection, and reloading rotated files.

const mapper = new CertificatePrincipalMapper({ rules: 'RULE:^CN=([^,]*),OU=clients.*$/$1/,DEFAULT' });
let dir: string;
let first: DevelopmentCertificateFiles;
let second: DevelopmentCertificateFiles;
let live: Required<TlsFiles>;
let server: Server | undefined;
let stopReloading: (() => void) | undefined;
const reloadErrors: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fjord-tls-files-'));
  first = await writeDevelopmentCertificates(join(dir, 'first'), {
    nodes: [{ name: 'node' }],
    clients: ['alice'],
  });
  second = await writeDevelopmentCertificates(join(dir, 'second'), {
    nodes: [{ name: 'node' }],
    clients: ['alice'],
  });
  live = {
    certificateFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
    caFile: join(dir, 'ca.pem'),
  };
});

afterEach(() => {
  reloadErrors.length = 0;
  stopReloading?.();
  server?.close();
  server = undefined;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function install(from: DevelopmentCertificateFiles): Promise<void> {
  await copyFile(from.nodes.node!.certificate, live.certificateFile);
  await copyFile(from.nodes.node!.privateKey, live.keyFile);
  await copyFile(from.caCertificate, live.caFile);
}

/** Serves the principal of each connection as one line. */
async function serve(clientAuth: SslClientAuth): Promise<number> {
  const running = createServer(tlsServerOptions(live, clientAuth), (socket) => {
    socket.end(`${formatPrincipal(principalOfTlsSocket(socket, mapper))}\n`);
  });
  server = running;
  stopReloading = reloadTlsServer(running, live, {
    reloadIntervalMs: 100,
    onError: (error) => reloadErrors.push(error.message),
  });
  await new Promise<void>((resolve) => running.listen(0, '127.0.0.1', resolve));
  return (running.address() as AddressInfo).port;
}

async function ask(
  port: number,
  from: DevelopmentCertificateFiles,
  withCertificate: boolean,
): Promise<string> {
  const options = {
    host: '127.0.0.1',
    port,
    ca: await readFile(from.caCertificate),
    servername: 'localhost',
    ...(withCertificate
      ? {
          cert: await readFile(from.clients.alice!.certificate),
          key: await readFile(from.clients.alice!.privateKey),
        }
      : {}),
  };
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(options);
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('end', () => resolve(text.trim() || 'closed'));
    socket.on('error', (error) => resolve(`error: ${error.message}`));
  });
}

describe('node:tls listeners from the TLS files', () => {
  it('give a verified client certificate its principal, and ANONYMOUS without one when only requested', async () => {
    await install(first);
    const port = await serve('requested');
    expect(await ask(port, first, true)).toBe('User:alice');
    expect(await ask(port, first, false)).toBe('User:ANONYMOUS');
  });

  it('refuse a client without a certificate when required', async () => {
    await install(first);
    const port = await serve('required');
    expect(await ask(port, first, false)).toMatch(/^error: |^closed$/);
    expect(await ask(port, first, true)).toBe('User:alice');
  });

  it('use rotated files for new connections, and keep the old ones while the new set is broken', async () => {
    await install(first);
    const port = await serve('required');
    expect(await ask(port, second, true)).toMatch(/^error: /);
    await writeFile(live.keyFile, 'not a key');
    for (const deadline = Date.now() + 10_000; reloadErrors.length === 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(reloadErrors.join()).toContain('are not usable together');
    expect(await ask(port, first, true)).toBe('User:alice');
    await install(second);
    let answer = '';
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
      answer = await ask(port, second, true);
      if (answer === 'User:alice') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answer).toBe('User:alice');
    expect(await ask(port, first, true)).toMatch(/^error: /);
  });

  it('name the file that cannot be read, and a key that does not match the certificate', () => {
    expect(() => readTlsMaterial({ ...live, certificateFile: join(dir, 'nope.pem') })).toThrow(
      `cannot read the certificate file ${join(dir, 'nope.pem')}`,
    );
    expect(() =>
      readTlsMaterial({
        certificateFile: first.nodes.node!.certificate,
        keyFile: second.nodes.node!.privateKey,
      }),
    ).toThrow(/are not usable together/);
    expect(() =>
      tlsServerOptions({ certificateFile: live.certificateFile, keyFile: live.keyFile }, 'required'),
    ).toThrow('--ssl-client-auth required needs --ssl-ca-file');
  });
});
