// `npm test` / `pnpm test`: install if needed, build and typecheck (turbo, cached), lint, check the
// dependency rules, then run the whole vitest suite once and print vitest's own counts as the
// closing line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureInstalled, pnpm } from './pnpm.mjs';

ensureInstalled();
// Typecheck too: vitest strips types, so a test that no longer fits an API would still run.
if (pnpm(['exec', 'turbo', 'run', 'build', 'typecheck', '--output-logs=errors-only']) !== 0) process.exit(1);
if (pnpm(['exec', 'biome', 'check', '.']) !== 0) process.exit(1);
// Folder cycles and package rules (scripts/check-deps.mjs); cheap, so before the long suite.
const depsCheck = spawnSync(process.execPath, [new URL('check-deps.mjs', import.meta.url).pathname], {
  stdio: 'inherit',
});
if (depsCheck.status !== 0) process.exit(1);

mkdirSync('test-results', { recursive: true });
const report = 'test-results/vitest.json';
rmSync(report, { force: true });
const status = pnpm([
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
let summary = '0 passed, 1 failed';
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  // A file that fails outside its tests (a beforeAll, an import) fails no test: count it as one
  // failure, or the last line would say 0 failed for a failing run.
  const failedOutsideTests = (json.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
  ).length;
  summary = `${json.numPassedTests} passed, ${json.numFailedTests + failedOutsideTests} failed`;
  // Tests that need a system tool `npm test` cannot install (tests/integration/required-tool.ts).
  if (json.numPendingTests > 0)
    console.log(`${json.numPendingTests} skipped (their reasons are printed above)`);
} catch {
  console.error('fjord: vitest wrote no JSON report');
}
console.log(summary);
process.exit(status);
