import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { helpText } from '../config/help-text.js';
import { loadConfig } from '../config/load-config.js';
import type { Secret } from '../config/secret.js';
import type { Listener } from '../listeners/resolve-listeners.js';
import { addScramSetting, parseAddScram } from './add-scram.js';
import { authorizerOptions, nodeClientSecurity, resolveSecurityConfig } from './security-config.js';
import { SECURITY_SETTINGS, type SecuritySettings } from './security-settings.js';

const SETTINGS = z.object({ ...SECURITY_SETTINGS, addScram: addScramSetting }).strict();

function load(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ settings: SETTINGS, schema: SETTINGS, argv, env });
}

function settings(argv: string[], env: NodeJS.ProcessEnv = {}): SecuritySettings {
  const result = load(argv, env);
  if (result.kind !== 'ok') throw new Error(JSON.stringify(result));
  return result.config;
}

function problems(argv: string[], env: NodeJS.ProcessEnv = {}): string[] {
  const result = load(argv, env);
  return result.kind === 'invalid' ? result.problems : [];
}

const listener = (name: string, securityProtocol: Listener['securityProtocol']): Listener => ({
  name,
  host: '127.0.0.1',
  port: 0,
  advertisedHost: '127.0.0.1',
  securityProtocol,
});

let dir: string;
let pem: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fjord-security-settings-'));
  pem = join(dir, 'some.pem');
  await writeFile(pem, 'not checked here');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('security settings', () => {
  it('default to no TLS files, client auth none, SCRAM only, no authorizer, ten-minute tokens', () => {
    const parsed = settings([]);
    expect(parsed).toMatchObject({
      sslClientAuth: 'none',
      sslPrincipalMappingRules: 'DEFAULT',
      saslEnabledMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
      authorizer: 'none',
      allowEveryoneIfNoAclFound: false,
      sessionTokenLifetimeMs: 600_000,
      interBrokerSaslMechanism: 'SCRAM-SHA-512',
    });
    expect(parsed.sslCertificateFile).toBeUndefined();
    expect(parsed.securityInterBrokerProtocol).toBeUndefined();
    expect(parsed.superUsers).toBeUndefined();
    expect(
      authorizerOptions(
        resolveSecurityConfig(settings(['--authorizer', 'standard']), { listeners: [] }).config,
      ),
    ).toEqual({
      superUsers: [],
      allowEveryoneIfNoAclFound: false,
    });
    expect(authorizerOptions(resolveSecurityConfig(parsed, { listeners: [] }).config)).toBeUndefined();
  });

  it('parse every setting from flags and FJORD_* variables', () => {
    const parsed = settings(
      [
        '--ssl-client-auth',
        'required',
        '--ssl-principal-mapping-rules',
        'RULE:^CN=([^,]*),OU=nodes.*$/$1/,DEFAULT',
        '--sasl-enabled-mechanisms',
        'scram-sha-512,PLAIN',
        '--authorizer',
        'standard',
        '--super-users',
        'User:admin; User:broker-1',
        '--allow-everyone-if-no-acl-found',
        'true',
        '--security-inter-broker-protocol',
        'sasl_ssl',
        '--inter-broker-sasl-username',
        'broker-1',
      ],
      { FJORD_INTER_BROKER_SASL_PASSWORD: 'b1-secret' },
    );
    expect(parsed).toMatchObject({
      sslClientAuth: 'required',
      saslEnabledMechanisms: ['SCRAM-SHA-512', 'PLAIN'],
      authorizer: 'standard',
      superUsers: ['User:admin', 'User:broker-1'],
      allowEveryoneIfNoAclFound: true,
      securityInterBrokerProtocol: 'SASL_SSL',
      interBrokerSaslUsername: 'broker-1',
    });
    expect(parsed.interBrokerSaslPassword?.reveal()).toBe('b1-secret');
    expect(authorizerOptions(resolveSecurityConfig(parsed, { listeners: [] }).config)).toEqual({
      superUsers: ['User:admin', 'User:broker-1'],
      allowEveryoneIfNoAclFound: true,
    });
  });

  it('name the problem: a bad mapping rule, an unknown mechanism, a super user that is not Type:name', () => {
    expect(problems(['--ssl-principal-mapping-rules', 'RULE:^CN=(.*$/$1/'])).toEqual([
      expect.stringMatching(
        /^--ssl-principal-mapping-rules .*invalid principal mapping rule.*bad regular expression/,
      ),
    ]);
    expect(problems(['--sasl-enabled-mechanisms', 'SCRAM-SHA-256,GSSAPI'])).toEqual([
      expect.stringContaining('unknown SASL mechanism "GSSAPI" (one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN)'),
    ]);
    expect(problems(['--super-users', 'User:admin;bob'])).toEqual([
      expect.stringContaining('"bob" is not a principal: expected Type:name'),
    ]);
    expect(problems(['--ssl-client-auth', 'maybe'])).toEqual([expect.stringContaining('--ssl-client-auth')]);
    expect(problems(['--allow-everyone-if-no-acl-found', 'yes'])).toEqual([
      expect.stringContaining('must be true or false'),
    ]);
    expect(problems(['--security-inter-broker-protocol', 'TLS'])).toEqual([
      expect.stringContaining('must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL'),
    ]);
  });

  it('print secrets as *** and never quote them in a problem', () => {
    const parsed = settings([
      '--inter-broker-sasl-password',
      'b1-secret',
      '--add-scram',
      'SCRAM-SHA-256=[name=admin,password=admin-secret],SCRAM-SHA-512=[name=admin,password="admin, secret",iterations=8192]',
    ]);
    const printed = JSON.stringify(parsed);
    expect(printed).not.toContain('secret"');
    expect(printed).not.toContain('b1-secret');
    expect(printed).not.toContain('admin-secret');
    expect(printed).toContain('"interBrokerSaslPassword":"***"');
    expect(inspect(parsed)).not.toContain('b1-secret');
    expect(`${parsed.interBrokerSaslPassword}`).toBe('***');
    const scram = (parsed as SecuritySettings & { addScram: ReturnType<typeof parseAddScram> }).addScram;
    expect(scram).toMatchObject([
      { mechanism: 'SCRAM-SHA-256', username: 'admin', iterations: 4096 },
      { mechanism: 'SCRAM-SHA-512', username: 'admin', iterations: 8192 },
    ]);
    expect((scram as unknown as { password: Secret }[]).map((user) => user.password.reveal())).toEqual([
      'admin-secret',
      'admin, secret',
    ]);
    const repeated = settings([
      '--add-scram',
      'SCRAM-SHA-256=[name=admin,password=a1]',
      '--add-scram',
      'SCRAM-SHA-512=[name=admin,password=a2]',
    ]) as SecuritySettings & { addScram: { mechanism: string }[] };
    expect(repeated.addScram.map((user) => user.mechanism)).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);
    // Any other flag given twice keeps its last value, as before.
    expect(settings(['--authorizer', 'standard', '--authorizer', 'none']).authorizer).toBe('none');
    const bad = problems(['--add-scram', 'SCRAM-SHA-1=[name=admin,password=hunter2]']);
    expect(bad).toEqual([expect.stringContaining('unknown SCRAM mechanism "SCRAM-SHA-1"')]);
    expect(bad.join()).not.toContain('hunter2');
    expect(problems(['--inter-broker-sasl-password', ''], {}).join()).toContain('(got a value from flag)');
  });

  it('describe every setting for --help', () => {
    const help = helpText({ command: 'fjord-test', summary: 'test', settings: SETTINGS });
    for (const flag of [
      '--ssl-certificate-file',
      '--super-users',
      '--add-scram',
      '--inter-broker-sasl-password',
    ]) {
      expect(help).toContain(flag);
    }
  });
});

describe('parseAddScram', () => {
  it("takes kafka-storage.sh's syntax and refuses what it does not support", () => {
    expect(parseAddScram('SCRAM-SHA-256=[name=alice,password=a]')).toMatchObject({
      users: [{ mechanism: 'SCRAM-SHA-256', username: 'alice' }],
    });
    expect(
      parseAddScram(
        'SCRAM-SHA-256=[name=alice,salt="MWx2NHBkbnc0ZndxN25vdGN4bTB5eTFrN3E=",saltedpassword="x"]',
      ),
    ).toEqual({
      problem: expect.stringContaining('pre-salted credentials (saltedpassword) are not supported'),
    });
    expect(parseAddScram('SCRAM-SHA-512=[name=alice,password=a,salt="MWx2NHBk"]')).toMatchObject({
      users: [{ salt: Buffer.from('MWx2NHBk', 'base64') }],
    });
    expect(parseAddScram('SCRAM-SHA-512=[name=alice,password=a,salt=not*base64]')).toEqual({
      problem: 'SCRAM-SHA-512 entry for alice: salt= must be non-empty base64',
    });
    expect(parseAddScram('SCRAM-SHA-256=[name=alice]')).toEqual({
      problem: 'SCRAM-SHA-256 entry for alice: password= is required and not empty',
    });
    expect(parseAddScram('SCRAM-SHA-256=[name=alice,password=a,iterations=100]')).toEqual({
      problem: expect.stringContaining('iterations must be a whole number within 4096..16384'),
    });
    expect(parseAddScram('SCRAM-SHA-256=[name=a,password=x],SCRAM-SHA-256=[name=a,password=y]')).toEqual({
      problem: 'SCRAM-SHA-256 credential of a is given twice',
    });
    expect(parseAddScram('admin:secret')).toEqual({
      problem: expect.stringContaining('MECHANISM=[name=NAME'),
    });
  });
});

describe('resolveSecurityConfig', () => {
  it('requires certificate files for TLS listeners, a CA for client certificates, and readable files', () => {
    const none = settings([]);
    const { problems: missing } = resolveSecurityConfig(none, {
      listeners: [listener('INTERNAL', 'SSL'), listener('PLAINTEXT', 'PLAINTEXT')],
    });
    expect(missing).toEqual([
      { key: 'sslCertificateFile', message: 'is required by listener INTERNAL' },
      { key: 'sslKeyFile', message: 'is required by listener INTERNAL' },
    ]);
    const required = settings([
      '--ssl-certificate-file',
      pem,
      '--ssl-key-file',
      join(dir, 'missing.pem'),
      '--ssl-client-auth',
      'required',
    ]);
    expect(resolveSecurityConfig(required, { listeners: [listener('INTERNAL', 'SSL')] }).problems).toEqual([
      { key: 'sslKeyFile', message: `cannot read ${join(dir, 'missing.pem')} (no such file)` },
      { key: 'sslCaFile', message: 'is required by --ssl-client-auth required' },
    ]);
    // SASL_SSL listeners ask for no client certificate, so they need no CA.
    expect(resolveSecurityConfig(required, { listeners: [listener('CLIENT', 'SASL_SSL')] }).problems).toEqual(
      [{ key: 'sslKeyFile', message: `cannot read ${join(dir, 'missing.pem')} (no such file)` }],
    );
    expect(
      resolveSecurityConfig(none, { listeners: [listener('CLIENT', 'SASL_PLAINTEXT')] }).problems,
    ).toEqual([]);
  });

  it('defaults the inter-broker protocol to the inter-broker listener, and checks what dialing needs', () => {
    const none = settings([]);
    const internal = listener('INTERNAL', 'SSL');
    const resolved = resolveSecurityConfig(none, { listeners: [internal], interBrokerListener: internal });
    expect(resolved.config.securityInterBrokerProtocol).toBe('SSL');
    expect(resolved.problems.map((p) => `${p.key}: ${p.message}`)).toEqual([
      'sslCertificateFile: is required by listener INTERNAL, --security-inter-broker-protocol SSL',
      'sslKeyFile: is required by listener INTERNAL, --security-inter-broker-protocol SSL',
      'sslCaFile: is required by --security-inter-broker-protocol SSL',
    ]);
    expect(resolveSecurityConfig(none, { listeners: [] }).config.securityInterBrokerProtocol).toBe(
      'PLAINTEXT',
    );
    const sasl = settings(['--security-inter-broker-protocol', 'SASL_PLAINTEXT']);
    expect(resolveSecurityConfig(sasl, { listeners: [] }).problems.map((p) => p.key)).toEqual([
      'interBrokerSaslUsername',
      'interBrokerSaslPassword',
    ]);
  });

  it('gives the node-client security description the client pool takes', () => {
    const parsed = settings(
      [
        '--ssl-certificate-file',
        pem,
        '--ssl-key-file',
        pem,
        '--ssl-ca-file',
        pem,
        '--security-inter-broker-protocol',
        'SASL_SSL',
        '--inter-broker-sasl-username',
        'broker-1',
      ],
      { FJORD_INTER_BROKER_SASL_PASSWORD: 'b1-secret' },
    );
    const { config, problems: found } = resolveSecurityConfig(parsed, { listeners: [] });
    expect(found).toEqual([]);
    const client = nodeClientSecurity(config);
    expect(client).toMatchObject({
      protocol: 'SASL_SSL',
      tls: { ca: pem, cert: pem, key: pem },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker-1' },
    });
    expect(client.sasl?.password.reveal()).toBe('b1-secret');
    expect(JSON.stringify(client)).not.toContain('b1-secret');
    expect(nodeClientSecurity(resolveSecurityConfig(settings([]), { listeners: [] }).config)).toEqual({
      protocol: 'PLAINTEXT',
    });
  });
});
