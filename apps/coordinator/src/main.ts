#!/usr/bin/env node
import { helpText } from './config/help-text.js';
import { loadConfig } from './config/load-config.js';
import { startCoordinator } from './coordinator.js';
import { createLogger } from './logger.js';

/** Exit code for a bad configuration (CONTRACTS.md). */
const EXIT_BAD_CONFIG = 2;

async function main(): Promise<void> {
  const result = loadConfig(process.argv.slice(2), process.env);
  if (result.kind === 'help') {
    process.stdout.write(helpText());
    return;
  }
  if (result.kind === 'invalid') {
    process.stderr.write(
      `fjord-coordinator: invalid configuration:\n${result.problems.map((p) => `  ${p}\n`).join('')}`,
    );
    process.exitCode = EXIT_BAD_CONFIG;
    return;
  }
  const logger = createLogger(result.config.logLevel);
  // Signal handlers go in before the server starts: a supervisor may send SIGTERM as soon
  // as it reads the `listening` line, which is logged during startCoordinator().
  const started = startCoordinator({ config: result.config, logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    started
      .then((coordinator) => coordinator.close())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await started;
  } catch (error) {
    logger.fatal({ err: error }, 'coordinator failed to start');
    process.exit(1);
  }
}

await main();
