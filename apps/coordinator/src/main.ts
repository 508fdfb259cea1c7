#!/usr/bin/env node
import { settleConfig } from '@fjord/config';
import { helpText } from './config/help-text.js';
import { loadConfig } from './config/load-config.js';
import { startCoordinator } from './coordinator.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  const config = settleConfig(loadConfig(process.argv.slice(2), process.env), {
    command: 'fjord-coordinator',
    help: helpText,
    resolve: (c) => c,
  });
  if (!config) return;
  const logger = createLogger(config.logLevel);
  // Signal handlers go in before the server starts: a supervisor may send SIGTERM as soon
  // as it reads the `listening` line, which is logged during startCoordinator().
  const started = startCoordinator({ config, logger });
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
