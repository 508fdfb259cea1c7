#!/usr/bin/env node
import { startBroker } from './broker.js';
import { loadConfig } from './config/load.js';
import { createLogger } from './logger.js';

/** Exit code for a bad configuration (docs/dev/CONTRACTS.md). */
const EXIT_BAD_CONFIG = 2;

async function main(): Promise<void> {
  const loaded = loadConfig(process.argv.slice(2), process.env);
  if (loaded.kind === 'help') {
    process.stdout.write(`${loaded.text}\n`);
    return;
  }
  if (loaded.kind === 'invalid') {
    process.stderr.write(
      `fjord-broker: invalid configuration\n${loaded.problems.map((p) => `  ${p}\n`).join('')}`,
    );
    process.exit(EXIT_BAD_CONFIG);
  }
  const { config } = loaded;
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
