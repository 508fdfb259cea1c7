#!/usr/bin/env node
import { serveUntilSignal, settleConfig } from '@fjord/config';
import { startBroker } from './broker.js';
import { loadConfig, usage } from './config/load.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  const config = settleConfig(loadConfig(process.argv.slice(2), process.env), {
    command: 'fjord-broker',
    help: () => `${usage()}\n`,
    resolve: (c) => c,
  });
  if (!config) return;
  const logger = createLogger(config.brokerId, config.logLevel);
  await serveUntilSignal({
    name: 'broker',
    logger,
    start: () => startBroker(config, logger),
    stop: (broker) => broker.stop(),
  });
}

void main();
