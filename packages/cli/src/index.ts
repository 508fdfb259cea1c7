// @fjord/cli: the `fjord` command, importable for tests and embedding.

export type { Io } from './io.js';
export { buildProgram } from './program.js';
export { run } from './run.js';
