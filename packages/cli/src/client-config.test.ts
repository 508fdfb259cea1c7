import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveClientTarget } from './bootstrap.js';
import { checkClientConfig, loadClientConfig } from './client-config.js';

const dir = mkdtempSync(join(tmpdir(), 'fjord-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('client config files', () => {
  it('reads the client.json that fjord dev --secure writes, as the SDK options', () => {
    const json = {
      bootstrap: ['127.0.0.1:7410', '127.0.0.1:7411'],
      ssl: { ca: CA },
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'secret' },
    };
    expect(loadClientConfig(file('client.json', json))).toEqual(json);
  });

  it('reads caFile/certFile/keyFile relative to the config file into ca/cert/key', () => {
    mkdirSync(join(dir, 'certs'), { recursive: true });
    file('certs/ca.pem', CA);
    file('certs/alice.pem', CA.replace(/CERTIFICATE/g, 'CERTIFICATE'));
    file('certs/alice-key.pem', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
    const config = loadClientConfig(
      file('files.json', {
        bootstrap: '127.0.0.1:7400',
        ssl: {
          caFile: 'certs/ca.pem',
          certFile: 'certs/alice.pem',
          keyFile: 'certs/alice-key.pem',
          rejectUnauthorized: true,
        },
      }),
    );
    expect(config).toEqual({
      bootstrap: ['127.0.0.1:7400'],
      ssl: { ca: CA, cert: CA, key: expect.stringContaining('PRIVATE KEY'), rejectUnauthorized: true },
    });
  });

  it('names the problem: missing file, bad JSON, unknown fields, paths given as PEM, bad sasl', () => {
    expect(() => loadClientConfig(join(dir, 'nope.json'))).toThrow(
      /client config .*nope\.json: cannot read it \(no such file\)/,
    );
    expect(() => loadClientConfig(file('bad.json', '{ "bootstrap": '))).toThrow(/bad\.json: not valid JSON/);
    const check = (json: unknown) => () => checkClientConfig(json, 'c.json', dir);
    expect(check([])).toThrow('client config c.json: expected a JSON object');
    expect(check({ bootstrap: ['a:1'], brokers: ['b:2'] })).toThrow(
      'client config c.json: unknown field "brokers"; known: bootstrap, clientId, requestTimeoutMs, metadataMaxAgeMs, ssl, sasl',
    );
    expect(check({ ssl: { ca: CA, caPath: 'x' } })).toThrow('unknown field "ssl.caPath"');
    expect(check({ ssl: { ca: 'certs/ca.pem' } })).toThrow(
      'ssl.ca must be PEM text (-----BEGIN ...); for a path use ssl.caFile',
    );
    expect(check({ ssl: { ca: CA, caFile: 'certs/ca.pem' } })).toThrow('give ssl.ca or ssl.caFile, not both');
    expect(check({ ssl: { caFile: 'certs/none.pem' } })).toThrow(
      /ssl\.caFile: cannot read .*none\.pem \(no such file\)/,
    );
    expect(check({ ssl: { cert: CA } })).toThrow('ssl.cert and ssl.key go together');
    expect(check({ bootstrap: ['coordinator'] })).toThrow(/bootstrap: "coordinator" is not host:port/);
    expect(check({ sasl: { mechanism: 'gssapi', username: 'a', password: 'p' } })).toThrow(
      'sasl.mechanism must be one of scram-sha-256, scram-sha-512, plain',
    );
    const noPassword = check({ sasl: { mechanism: 'SCRAM-SHA-256', username: 'a', password: '' } });
    expect(noPassword).toThrow('sasl.password must be a non-empty string');
    expect(check({ requestTimeoutMs: -1 })).toThrow('requestTimeoutMs must be a positive integer');
  });

  it('never quotes a password in its errors', () => {
    const secret = 'do-not-print-me';
    let message = '';
    try {
      checkClientConfig({ sasl: { mechanism: 'scram', username: 'a', password: secret } }, 'c.json', dir);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('sasl.mechanism');
    expect(message).not.toContain(secret);
  });
});

describe('resolveClientTarget', () => {
  const config = file('target.json', {
    bootstrap: ['127.0.0.1:7410'],
    clientId: 'ops',
    sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'pw' },
  });

  it('uses --client-config, else FJORD_CLIENT_CONFIG; --bootstrap wins over the file, the file over FJORD_BOOTSTRAP', () => {
    const env = { FJORD_BOOTSTRAP: '127.0.0.1:7500', FJORD_CLIENT_CONFIG: config };
    expect(resolveClientTarget({}, env)).toEqual({
      bootstrap: '127.0.0.1:7410',
      options: {
        bootstrap: ['127.0.0.1:7410'],
        clientId: 'ops',
        sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'pw' },
      },
    });
    const flag = resolveClientTarget({ bootstrap: '127.0.0.1:7600,127.0.0.1:7601' }, env);
    expect(flag.bootstrap).toBe('127.0.0.1:7600,127.0.0.1:7601');
    expect(flag.options.bootstrap).toEqual(['127.0.0.1:7600', '127.0.0.1:7601']);
    expect(flag.options.sasl?.username).toBe('admin');
    const other = file('other.json', { ssl: true });
    const byFlag = resolveClientTarget({ clientConfig: other }, env);
    expect(byFlag).toEqual({
      bootstrap: '127.0.0.1:7500',
      options: { bootstrap: ['127.0.0.1:7500'], clientId: 'fjord-cli', ssl: true },
    });
  });

  it('without any file is the plain client of before', () => {
    expect(resolveClientTarget({}, {})).toEqual({
      bootstrap: '127.0.0.1:7400',
      options: { bootstrap: ['127.0.0.1:7400'], clientId: 'fjord-cli' },
    });
  });
});
