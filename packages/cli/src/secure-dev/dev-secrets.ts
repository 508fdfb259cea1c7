import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// The secrets `fjord dev --secure` keeps in its data directory, readable by the owner only:
// the admin user's password (`admin-password`, made once and reused on every restart, so that
// client.json keeps working) and the client options (`client.json`).

/** The client options of `client.json`: `new Fjord(JSON.parse(...))` and `--client-config` take them. */
export interface DevClientConfig {
  bootstrap: string[];
  ssl: { ca: string };
  sasl: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/** The name of the client options file in the data directory. */
export const CLIENT_CONFIG_FILE = 'client.json';
const ADMIN_PASSWORD_FILE = 'admin-password';

/** Writes `content` to `path`, readable by the owner only (also when the file was there before). */
async function writePrivate(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

/**
 * The admin user's password: read from `<dataDir>/admin-password`, or made now (24 random
 * bytes, base64url: nothing that Kafka's `--add-scram` syntax would split on) and written
 * there with mode 0600.
 */
export async function devAdminPassword(dataDir: string): Promise<{ password: string; created: boolean }> {
  const file = join(dataDir, ADMIN_PASSWORD_FILE);
  if (existsSync(file)) {
    const password = (await readFile(file, 'utf8')).trim();
    if (password === '') throw new Error(`${file} is empty: delete it (fjord dev --secure makes a new one)`);
    return { password, created: false };
  }
  await mkdir(dataDir, { recursive: true });
  const password = randomBytes(24).toString('base64url');
  await writePrivate(file, `${password}\n`);
  return { password, created: true };
}

/** Writes `<dataDir>/client.json` (mode 0600) and returns its path. */
export async function writeDevClientConfig(dataDir: string, config: DevClientConfig): Promise<string> {
  const path = join(dataDir, CLIENT_CONFIG_FILE);
  await writePrivate(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}
