// `npm run bench [-- --quick]` / `pnpm bench [--quick]`: install if needed, build, then run the benchmark harness (bench/).
import { ensureInstalled, pnpm } from './pnpm.mjs';

ensureInstalled();
if (pnpm(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']) !== 0) process.exit(1);
process.exit(pnpm(['exec', 'node', 'bench/dist/main.js', ...process.argv.slice(2)]));
