#!/usr/bin/env node
import { runServer } from '@fjord/server-kit';
import { COORDINATOR_CONFIG_SCHEMA, COORDINATOR_SETTINGS } from './config/config-schema.js';
import { startCoordinator } from './coordinator.js';

await runServer({
  command: 'fjord-coordinator',
  summary: 'Fjord coordinator: cluster metadata, broker liveness, leader election and consumer groups.',
  settings: COORDINATOR_SETTINGS,
  schema: COORDINATOR_CONFIG_SCHEMA,
  logger: (config) => ({ component: 'coordinator', nodeId: 'coordinator', level: config.logLevel }),
  start: (config, logger) => startCoordinator({ config, logger }),
});
