// `npm start` / `pnpm start`: install if needed, build, then run the local cluster
// (`fjord dev`: one coordinator and three brokers, data under ./.fjord, Ctrl-C stops all).
import { spawn } from 'node:child_process';
import { ensureInstalled, pnpm } from './pnpm.mjs';

ensureInstalled();
// Only what the cluster needs: the CLI and its dependencies (the apps among them).
if (pnpm(['exec', 'turbo', 'run', 'build', '--filter=@fjord/cli...', '--output-logs=errors-only']) !== 0) {
  process.exit(1);
}

// The CLI runs as a direct child so that this wrapper can outlive Ctrl-C: the terminal sends
// SIGINT to the whole process group, the CLI stops the cluster cleanly, and the wrapper
// exits with the CLI's code instead of dying on the signal itself. A signal sent to the
// wrapper alone (e.g. `kill <pid>`) is passed on; the CLI ignores the duplicate.
const cli = new URL('../packages/cli/dist/main.js', import.meta.url).pathname;
const child = spawn(process.execPath, [cli, 'dev', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
