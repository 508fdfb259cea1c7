import { createRequire } from 'node:module';
import { Command } from 'commander';
import { bootstrapOption, clientConfigOption, DEFAULT_BOOTSTRAP } from './bootstrap.js';
import { registerAcls } from './commands/acls.js';
import { registerCerts } from './commands/certs.js';
import { registerCluster } from './commands/cluster.js';
import { registerConsume } from './commands/consume.js';
import { registerDev } from './commands/dev.js';
import { registerGroups } from './commands/groups.js';
import { registerProduce } from './commands/produce.js';
import { registerTopics } from './commands/topics.js';
import { registerUsers } from './commands/users.js';
import type { Io } from './io.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * Builds the `fjord` command tree. Commander never exits the process itself (exitOverride),
 * so {@link run} decides the exit code and usage errors can be tested.
 */
export function buildProgram(io: Io, onBootstrap: (bootstrap: string) => void = () => {}): Command {
  const program = new Command('fjord')
    .description('Fjord, a Kafka-style commit log: run a local cluster, manage topics, produce and consume')
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`fjord: ${text.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true })
    .addOption(bootstrapOption())
    .addOption(clientConfigOption())
    .addHelpText(
      'after',
      `\nEnvironment:\n  FJORD_BOOTSTRAP      coordinator address of client commands (default ${DEFAULT_BOOTSTRAP})\n` +
        '  FJORD_CLIENT_CONFIG  client config file of client commands (as --client-config)\n' +
        '  FJORD_DEBUG=1        print stack traces of errors',
    );
  registerDev(program, io);
  registerTopics(program, io, onBootstrap);
  registerProduce(program, io, onBootstrap);
  registerConsume(program, io, onBootstrap);
  registerGroups(program, io, onBootstrap);
  registerCluster(program, io, onBootstrap);
  registerAcls(program, io, onBootstrap);
  registerUsers(program, io, onBootstrap);
  registerCerts(program, io);
  return program;
}
