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
  return missingCapability(`${binary} is not on PATH (install it with: ${install}; .ci/run does)`);
}

/**
 * The same rule for any capability a test needs from the machine (root, a mount): `reason` is
 * why it is missing, or `undefined` when it is there. Outside CI the reason is printed and
 * returned (skip the test with it); under `CI=true` this throws, so CI cannot pass by skipping.
 */
export function missingCapability(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`CI=${process.env.CI}: ${reason}`);
  }
  console.warn(`skipped: ${reason}`);
  return reason;
}
