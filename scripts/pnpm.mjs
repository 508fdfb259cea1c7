// Finds pnpm, or falls back to `npx pnpm@<version from packageManager>`, so that `npm start`
// and `npm test` work on a machine that has only Node and npm. Also installs the workspace
// when node_modules is missing or older than the lockfile.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const pinned = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).packageManager; // "pnpm@x.y.z"

function hasGlobalPnpm() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 && probe.stdout.trim().startsWith('10.');
}

const pnpmCommand = hasGlobalPnpm() ? ['pnpm'] : ['npx', '--yes', pinned];

/** Runs pnpm with the given arguments in the repository root; returns the exit status. */
export function pnpm(args, options = {}) {
  const [cmd, ...pre] = pnpmCommand;
  const result = spawnSync(cmd, [...pre, ...args], { cwd: root, stdio: 'inherit', ...options });
  return result.status ?? 1;
}

/** Installs dependencies unless node_modules is already newer than the lockfile. */
export function ensureInstalled() {
  const marker = `${root}node_modules/.modules.yaml`;
  const fresh = existsSync(marker) && statSync(marker).mtimeMs >= statSync(`${root}pnpm-lock.yaml`).mtimeMs;
  if (fresh) return;
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  if (pnpm(['install', ...frozen]) !== 0) {
    console.error('fjord: dependency installation failed (see above)');
    process.exit(1);
  }
}
