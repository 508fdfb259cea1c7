import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// scripts/check-deps.mjs (run by `npm test` and `pnpm deps:check`) over small repositories
// written here, so each rule is seen to fail on a violation and to pass without one.
const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'check-deps.mjs');

type Files = Record<string, string>;

const manifests: Files = {
  'packages/protocol/package.json': JSON.stringify({
    name: '@fjord/protocol',
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
  }),
  'packages/sdk/package.json': JSON.stringify({ name: '@fjord/sdk' }),
  'packages/testkit/package.json': JSON.stringify({ name: '@fjord/testkit' }),
  'apps/broker/package.json': JSON.stringify({ name: '@fjord/broker' }),
};

/** A layering that holds: a barrel, a ring of files in one folder, one-way folder imports. */
const clean: Files = {
  ...manifests,
  'packages/protocol/src/index.ts': "export * from './batch.js';\nexport * from './codec/index.js';\n",
  'packages/protocol/src/batch.ts': "import { code } from './codec/index.js';\nexport const batch = code;\n",
  'packages/protocol/src/codec/index.ts':
    "import { limit } from '../limits.js';\nexport const code = limit;\n",
  'packages/protocol/src/limits.ts': 'export const limit = 1;\n',
  'packages/protocol/src/ring-a.ts': "import type { B } from './ring-b.js';\nexport type A = B[];\n",
  'packages/protocol/src/ring-b.ts': "import type { A } from './ring-a.js';\nexport type B = { a?: A };\n",
  'packages/sdk/src/index.ts': "import { batch } from '@fjord/protocol';\nexport const sdk = batch;\n",
  'packages/testkit/src/index.ts':
    "import { sdk } from '@fjord/sdk';\nexport const kit = () => import('node:fs').then(() => sdk);\n",
  'apps/broker/src/server/serve.ts':
    "import { store } from '../log/store.js';\nexport const serve = store;\n",
  'apps/broker/src/log/store.ts': "import { batch } from '@fjord/protocol';\nexport const store = batch;\n",
};

const roots: string[] = [];

function repository(files: Files): string {
  const root = mkdtempSync(join(tmpdir(), 'fjord-deps-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function check(files: Files, ...options: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [script, ...options, repository(files)], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('dependency rules (scripts/check-deps.mjs)', () => {
  it('passes a layering without folder cycles, including a ring of files inside one folder', () => {
    const { status, output } = check(clean);
    expect(output).toMatch(/dependency rules hold \(10 files, no folder cycle\)/);
    expect(status).toBe(0);
  });

  it('--layers lists the sub-folders of each folder from the bottom layer up, with what each imports', () => {
    const { status, output } = check(clean, '--layers');
    expect(status).toBe(0);
    expect(output).toContain('apps/broker/src/\n  log/ -> (no sibling folder)\n  server/ -> log/\n');
    expect(output).toContain('./\n  packages/ -> (no sibling folder)\n  apps/ -> packages/\n');
  });

  it('fails on a folder and a file beside it that import each other, naming both imports', () => {
    const { status, output } = check({
      ...clean,
      'packages/protocol/src/codec/index.ts':
        "import { batch } from '../batch.js';\nexport const code = () => batch;\n",
    });
    expect(status).toBe(1);
    expect(output).toContain(
      'folder cycle: packages/protocol/src/codec/ -> packages/protocol/src/batch.ts -> packages/protocol/src/codec/',
    );
    expect(output).toContain("packages/protocol/src/codec/index.ts imports '../batch.js'");
    expect(output).toContain("packages/protocol/src/batch.ts imports './codec/index.js'");
  });

  it('fails on a cycle through a chain of three folders, also when one link is a test file', () => {
    const { status, output } = check({
      ...clean,
      'apps/broker/src/log/store.test.ts':
        "import { replicate } from '../replication/fetcher.js';\nreplicate();\n",
      'apps/broker/src/replication/fetcher.ts':
        "import { serve } from '../server/serve.js';\nexport const replicate = () => serve;\n",
    });
    expect(status).toBe(1);
    expect(output).toContain(
      'folder cycle: apps/broker/src/log/ -> apps/broker/src/replication/ -> apps/broker/src/server/ -> apps/broker/src/log/',
    );
  });

  it('finds a cycle between nested folders by the siblings that hold them', () => {
    const { status, output } = check({
      ...clean,
      'apps/broker/src/log/deep/inner/reader.ts':
        "import { serve } from '../../../server/serve.js';\nexport const read = serve;\n",
    });
    expect(status).toBe(1);
    expect(output).toContain(
      'folder cycle: apps/broker/src/log/ -> apps/broker/src/server/ -> apps/broker/src/log/',
    );
    expect(output).toContain("apps/broker/src/log/deep/inner/reader.ts imports '../../../server/serve.js'");
  });

  it('fails when a package imports an app, an app imports the SDK, or the SDK imports beyond protocol', () => {
    const { status, output } = check({
      ...clean,
      'packages/testkit/src/start.ts':
        "import { store } from '@fjord/broker';\nexport const start = store;\n",
      'apps/broker/src/log/client.ts': "import { sdk } from '@fjord/sdk';\nexport const client = sdk;\n",
      'packages/sdk/src/harness.ts': "export { kit } from '@fjord/testkit';\n",
    });
    expect(status).toBe(1);
    expect(output).toContain("packages/testkit/src/start.ts imports '@fjord/broker': nothing imports an app");
    expect(output).toContain(
      "apps/broker/src/log/client.ts imports '@fjord/sdk': an app imports no client-side package",
    );
    expect(output).toContain(
      "packages/sdk/src/harness.ts imports '@fjord/testkit': the SDK depends on @fjord/protocol alone",
    );
  });

  it('fails when a relative path reaches into an app from outside it', () => {
    const { status, output } = check({
      ...clean,
      'packages/testkit/src/peek.ts': "export { store } from '../../../apps/broker/src/log/store.js';\n",
    });
    expect(status).toBe(1);
    expect(output).toContain("packages/testkit/src/peek.ts imports '../../../apps/broker/src/log/store.js'");
  });
});
