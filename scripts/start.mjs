// `npm start` / `pnpm start`: install if needed, build, then run the local cluster
// (`fjord dev`: one coordinator and three brokers, data under ./.fjord, Ctrl-C stops all).
import { ensureInstalled, pnpm } from './pnpm.mjs';

ensureInstalled();
if (pnpm(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']) !== 0) process.exit(1);
const status = pnpm(['exec', 'node', 'packages/cli/dist/main.js', 'dev', ...process.argv.slice(2)]);
process.exit(status);
