#!/usr/bin/env node
import { settleConfig } from '@fjord/config';
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
  let broker: Awaited<ReturnType<typeof startBroker>>;
  try {
    broker = await startBroker(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'broker failed to start');
    process.exit(1);
  }
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    broker.stop().then(
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
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

void main();
