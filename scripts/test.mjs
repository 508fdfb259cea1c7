// `pnpm test`: install is done by the caller; build everything (turbo, cached), lint, then
// run the whole vitest suite once and print vitest's own counts as the closing line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', shell: false }).status ?? 1;

if (run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']) !== 0) process.exit(1);
if (run('pnpm', ['exec', 'biome', 'check', '.']) !== 0) process.exit(1);

mkdirSync('test-results', { recursive: true });
const report = 'test-results/vitest.json';
const status = run('pnpm', [
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  console.log(`${json.numPassedTests} passed, ${json.numFailedTests} failed`);
} catch {
  console.log('0 passed, 1 failed');
}
process.exit(status);
