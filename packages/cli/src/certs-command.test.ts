import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { run } from './run.js';

// `fjord certs`, what docker-compose.secure.yml's one-shot service runs: the CA, one node
// certificate per name with that name as a DNS name, the admin's password, the coordinators'
// --add-scram config and client.json; a second run keeps every file as it was.

const root = mkdtempSync(join(tmpdir(), 'fjord-cli-certs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function captureIo(): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += chunk;
  });
  stderr.on('data', (chunk) => {
    err += chunk;
  });
  return { stdin: new PassThrough(), stdout, stderr, env: {}, out: () => out, err: () => err };
}

async function certs(args: string[]) {
  const io = captureIo();
  const code = await run(['certs', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('fjord certs', () => {
  it('writes the CA, node certificates by name, the admin login and client.json, then keeps them', async () => {
    const dir = join(root, 'cluster');
    const args = ['--dir', dir, '--nodes', 'coordinator-1,broker-1', '--clients', 'alice'];
    const first = await certs([...args, '--client-bootstrap', '127.0.0.1:7400,127.0.0.1:7410']);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toContain(`CA ${join(dir, 'ca.pem')} (created)`);
    expect(first.out).toContain(`broker-1 ${join(dir, 'broker-1.pem')} (created)`);

    const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
    const broker = new X509Certificate(readFileSync(join(dir, 'broker-1.pem')));
    expect(broker.subject.split('\n')).toEqual(['O=Fjord development', 'OU=nodes', 'CN=broker-1']);
    expect(broker.subjectAltName).toContain('DNS:broker-1');
    expect(broker.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(broker.checkIssued(ca) && broker.verify(ca.publicKey)).toBe(true);
    const alice = new X509Certificate(readFileSync(join(dir, 'alice.pem')));
    expect(alice.subject).toContain('OU=clients');
    expect(alice.subjectAltName).toBeUndefined();
    for (const key of ['ca-key.pem', 'broker-1-key.pem', 'admin-password', 'add-scram.json', 'client.json']) {
      expect({ key, mode: statSync(join(dir, key)).mode & 0o777 }).toEqual({ key, mode: 0o600 });
    }

    const password = readFileSync(join(dir, 'admin-password'), 'utf8').trim();
    expect(JSON.parse(readFileSync(join(dir, 'add-scram.json'), 'utf8'))).toEqual({
      'add-scram': `SCRAM-SHA-512=[name=admin,password=${password}]`,
    });
    expect(JSON.parse(readFileSync(join(dir, 'client.json'), 'utf8'))).toEqual({
      bootstrap: ['127.0.0.1:7400', '127.0.0.1:7410'],
      ssl: { ca: readFileSync(join(dir, 'ca.pem'), 'utf8') },
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password },
    });
    expect(first.out).not.toContain(password);

    // Run again (every `compose up` does), with one more node: the rest is kept as it was.
    const before = readFileSync(join(dir, 'broker-1.pem'), 'utf8');
    const again = await certs(['--dir', dir, '--nodes', 'coordinator-1,broker-1,broker-2']);
    expect(again).toMatchObject({ code: 0, err: '' });
    expect(again.out).toContain('(kept)');
    expect(again.out).toContain(`broker-2 ${join(dir, 'broker-2.pem')} (created)`);
    expect(readFileSync(join(dir, 'broker-1.pem'), 'utf8')).toBe(before);
    expect(readFileSync(join(dir, 'admin-password'), 'utf8').trim()).toBe(password);
    const added = new X509Certificate(readFileSync(join(dir, 'broker-2.pem')));
    expect(added.checkIssued(ca)).toBe(true);
  });

  it('refuses names that cannot name files, or name another file of the folder, before writing', async () => {
    const dir = join(root, 'refused');
    const bad = await certs(['--dir', dir, '--nodes', 'broker-1,../x,ca,broker-1']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      "fjord: certs: '../x' cannot name certificate files: use [A-Za-z0-9._-]; 'ca' is reserved for another file of the folder; 'broker-1' is given twice\n",
    );
    const noNodes = await certs(['--dir', dir]);
    expect(noNodes.code).toBe(2);
    expect(noNodes.err).toContain("required option '--nodes <names>' not specified");
  });
});
