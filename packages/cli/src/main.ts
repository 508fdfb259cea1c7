#!/usr/bin/env node
import { run } from './run.js';

const code = await run(process.argv.slice(2));
process.exitCode = code;
// Everything is closed by now; if a stray handle (a gRPC channel still draining) would keep
// the process alive, leave anyway, after stdout had a moment to flush.
setTimeout(() => process.exit(code), 2_000).unref();
