#!/usr/bin/env node
import { runServer } from '@fjord/server-kit';
import { startBroker } from './broker.js';
import { BROKER_CONFIG_SCHEMA, BROKER_SETTINGS } from './config/schema.js';

await runServer({
  command: 'fjord-broker',
  synopsis: '--broker-id <id> [options]',
  summary: 'Fjord broker: partition storage, produce, fetch and replication.',
  settings: BROKER_SETTINGS,
  schema: BROKER_CONFIG_SCHEMA,
  logger: (config) => ({ component: 'broker', nodeId: `broker-${config.brokerId}`, level: config.logLevel }),
  start: startBroker,
});
