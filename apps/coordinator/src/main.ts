#!/usr/bin/env node
import { serveUntilSignal, settleConfig } from '@fjord/config';
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
  await serveUntilSignal({
    name: 'coordinator',
    logger,
    start: () => startCoordinator({ config, logger }),
    stop: (coordinator) => coordinator.close(),
  });
}

await main();
