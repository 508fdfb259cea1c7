import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Which Fjord app a node runs. */
export type AppKind = 'coordinator' | 'broker';

const packageNames: Record<AppKind, string> = {
  coordinator: '@fjord/coordinator',
  broker: '@fjord/broker',
};

/**
 * Path of an app's built entry file (`apps/<kind>/dist/main.js`). The testkit only locates
 * the apps through their package.json and runs them as processes; it never imports them,
 * so tests exercise exactly what `node main.js` runs in production.
 */
export function appEntry(kind: AppKind): string {
  const name = packageNames[kind];
  const require = createRequire(import.meta.url);
  const entry = join(dirname(require.resolve(`${name}/package.json`)), 'dist', 'main.js');
  if (!existsSync(entry)) {
    throw new Error(`${name} is not built (${entry} is missing): run \`pnpm --filter ${name} build\``);
  }
  return entry;
}
