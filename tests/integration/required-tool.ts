import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** True when an executable named `binary` is on PATH. */
function onPath(binary: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/**
 * Why a test that needs the system tool `binary` cannot run here, or `undefined` when it can.
 * Such tools (docker-compose, …) need root to install, which `npm test` does not have, so on a
 * user's machine their tests are skipped with this reason printed. CI (`CI=true`) installs them
 * in .ci/run: there a missing tool is a broken setup, and this throws so the run fails loudly
 * instead of skipping.
 */
export function missingTool(binary: string, install: string): string | undefined {
  if (onPath(binary)) return undefined;
  const reason = `${binary} is not on PATH (install it with: ${install}; .ci/run does)`;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`CI=${process.env.CI}: ${reason}`);
  }
  console.warn(`skipped: ${reason}`);
  return reason;
}
