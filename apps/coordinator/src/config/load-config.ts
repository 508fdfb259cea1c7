import { type ConfigResult, loadConfig as loadSettings } from '@fjord/config';
import { CONFIG_KEYS, COORDINATOR_CONFIG_SCHEMA, type CoordinatorConfig } from './config-schema.js';

/**
 * Reads the coordinator's configuration: flags, then FJORD_* environment variables, then a
 * YAML or JSON file (`--config` / FJORD_CONFIG), then defaults; every problem at once.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ConfigResult<CoordinatorConfig> {
  return loadSettings({ schema: COORDINATOR_CONFIG_SCHEMA, keys: CONFIG_KEYS, argv, env });
}
