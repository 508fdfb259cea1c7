import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkClientConfig } from '../client-config.js';
import { devAdminPassword, writeDevClientConfig } from './dev-secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'fjord-dev-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fjord dev --secure secrets', () => {
  it('makes the admin password once (mode 0600) and reuses it on restart', async () => {
    const dataDir = join(dir, 'data');
    const first = await devAdminPassword(dataDir);
    expect(first.created).toBe(true);
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(join(dataDir, 'admin-password')).mode & 0o777).toBe(0o600);
    expect(await devAdminPassword(dataDir)).toEqual({ password: first.password, created: false });
    writeFileSync(join(dataDir, 'admin-password'), '\n');
    await expect(devAdminPassword(dataDir)).rejects.toThrow(/admin-password is empty/);
  });

  it('writes client.json with mode 0600, also over a file that was readable by others, in the shape --client-config reads', async () => {
    const path = join(dir, 'client.json');
    writeFileSync(path, '{}', { mode: 0o644 });
    const config = {
      bootstrap: ['127.0.0.1:7400'],
      ssl: { ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
      sasl: { mechanism: 'scram-sha-512' as const, username: 'admin', password: 'pw' },
    };
    expect(await writeDevClientConfig(dir, config)).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    expect(json).toEqual(config);
    expect(checkClientConfig(json, path, dir)).toEqual(config);
  });
});
