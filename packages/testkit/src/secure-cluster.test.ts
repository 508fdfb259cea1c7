import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificatePrincipalMapper, formatPrincipal } from '@fjord/security';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterSecurity, NODE_PRINCIPAL_MAPPING_RULES } from './secure-cluster.js';

// The certificates and settings a secure cluster starts its nodes with, without the nodes:
// the node certificates map to the principals the super-user list names.

const dir = mkdtempSync(join(tmpdir(), 'fjord-secure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ClusterSecurity', () => {
  it('issues node certificates whose principals are the super users, and client certificates that are not', async () => {
    const security = await ClusterSecurity.create(
      dir,
      { clientCertificates: ['alice'] },
      { coordinators: 3, brokers: 2 },
    );
    const mapper = new CertificatePrincipalMapper({ rules: NODE_PRINCIPAL_MAPPING_RULES });
    const args = await security.nodeArgs('broker-1', 'broker');
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(flag('--ssl-certificate-file')).toBe(security.nodeCertificate('broker-1').certificate);
    expect(flag('--listener-security-protocol-map')).toBe('INTERNAL:SSL,CLIENT:SASL_SSL');
    expect(flag('--inter-broker-listener-name')).toBe('INTERNAL');
    expect(flag('--authorizer')).toBe('standard');
    const superUsers = flag('--super-users')!.split(';');

    const broker = mapper.principalOf(readFileSync(security.nodeCertificate('broker-1').certificate, 'utf8'));
    expect(formatPrincipal(broker)).toBe('User:broker-1');
    expect(superUsers).toContain('User:broker-1');
    expect(superUsers).toEqual(
      expect.arrayContaining(['User:coordinator-3', 'User:broker-5', 'User:testkit', 'User:admin']),
    );
    expect(superUsers).not.toContain('User:broker-6');

    const alice = mapper.principalOf(readFileSync(security.clientCertificate('alice').certificate, 'utf8'));
    expect(formatPrincipal(alice)).toBe('User:CN=alice,OU=clients,O=Fjord development');
    expect(superUsers).not.toContain(formatPrincipal(alice));

    expect(statSync(security.nodeCertificate('broker-1').privateKey).mode & 0o077).toBe(0);
    expect(() => security.clientCertificate('bob')).toThrow(/no client certificate bob .*issued: alice/);
  });

  it('gives coordinators the admin credential in the environment and clients the CA and the login', async () => {
    const security = await ClusterSecurity.create(join(dir, 'two'), {}, { coordinators: 1, brokers: 1 });
    const args = await security.nodeArgs('coordinator-1', 'coordinator');
    expect(args.join(' ')).not.toContain(security.admin.password);
    expect(args).not.toContain('--inter-broker-listener-name');
    expect(security.coordinatorEnv()).toEqual({
      FJORD_ADD_SCRAM: `SCRAM-SHA-512=[name=admin,password=${security.admin.password}]`,
    });
    const options = security.clientOptions(['127.0.0.1:1']);
    expect(options).toEqual({
      bootstrap: ['127.0.0.1:1'],
      ssl: { ca: security.caPem },
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: security.admin.password },
    });
    expect(options.ssl.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(security.admin.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('keeps the CA and certificates of a cluster started again on its data, and takes a given admin password', async () => {
    const data = join(dir, 'again');
    const first = await ClusterSecurity.create(data, {}, { coordinators: 1, brokers: 1 });
    await first.nodeArgs('broker-1', 'broker');
    const brokerPem = readFileSync(first.nodeCertificate('broker-1').certificate, 'utf8');
    const second = await ClusterSecurity.create(
      data,
      { adminPassword: 'kept-secret' },
      { coordinators: 1, brokers: 1 },
    );
    await second.nodeArgs('broker-1', 'broker');
    expect(second.caPem).toBe(first.caPem);
    expect(readFileSync(second.nodeCertificate('broker-1').certificate, 'utf8')).toBe(brokerPem);
    expect(second.admin.password).toBe('kept-secret');
    expect(first.admin.password).not.toBe('kept-secret');
  });
});
