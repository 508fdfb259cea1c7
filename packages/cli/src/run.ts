import { CommanderError } from 'commander';
import { debugDump, errorLine, exitCodeFor } from './errors.js';
import { type Io, println, processIo } from './io.js';
import { buildProgram } from './program.js';

/**
 * Runs the `fjord` command line (`argv` without node and script) and returns the exit code:
 * 0 on success, 1 on failure, 2 on usage errors. A failure prints one line to stderr; the
 * stack trace only with FJORD_DEBUG=1.
 */
export async function run(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let bootstrap: string | undefined;
  const program = buildProgram(io, (address) => {
    bootstrap = address;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander printed its own message (usage error, --help, --version) already.
    if (error instanceof CommanderError) return exitCodeFor(error);
    println(io.stderr, `fjord: ${errorLine(error, { bootstrap })}`);
    if (io.env.FJORD_DEBUG === '1') println(io.stderr, debugDump(error));
    return exitCodeFor(error);
  }
}
