import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Full path of an executable on PATH (or the usual sbin folders), undefined if absent. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_PATH];
  for (const dir of dirs) {
    const candidate = `${dir}/${name}`;
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The path of `binary`, installing Debian package `pkg` when it is missing (the harness runs
 * as root on a Debian machine). `apt-get update` only runs when the first install fails,
 * because it is slow and usually unnecessary.
 */
export function ensureBinary(binary: string, pkg: string, log: (line: string) => void): string {
  const found = findBinary(binary);
  if (found) return found;
  log(`${binary} not found: apt-get install -y ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): number =>
    spawnSync('apt-get', ['install', '-y', pkg], { stdio: 'ignore', env, timeout: 600_000 }).status ?? 1;
  if (install() !== 0) {
    log('apt-get install failed: apt-get update, then install again');
    spawnSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: 600_000 });
    if (install() !== 0) throw new Error(`could not install ${pkg} with apt-get`);
  }
  const installed = findBinary(binary);
  if (!installed) throw new Error(`${pkg} installed but ${binary} is still not found`);
  return installed;
}
