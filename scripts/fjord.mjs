#!/usr/bin/env node
// `npx fjord …` inside the repository (the root package.json names this file as its `fjord`
// bin, which npm's exec resolves without any install): runs the built CLI, or says how to
// build it. pnpm users get the same through `pnpm fjord …` (the root `fjord` script).
import { existsSync } from 'node:fs';

const cli = new URL('../packages/cli/dist/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(
    'fjord: the CLI is not built yet (packages/cli/dist/main.js is missing): run `npm start` or `npm test` first',
  );
  process.exit(1);
}
await import(cli.href);
