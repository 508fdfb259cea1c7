import { type ConfigResult, loadConfig as loadSettings, usageText } from '@fjord/config';
import type { z } from 'zod';
import {
  BROKER_CONFIG_SCHEMA,
  type BrokerConfig,
  DEFAULT_METRICS_PORT_BASE,
  DEFAULT_PORT_BASE,
} from './schema.js';

const CONFIG_KEYS = Object.keys(BROKER_CONFIG_SCHEMA.shape);

/** Usage text for --help. */
export function usage(): string {
  return usageText('fjord-broker', CONFIG_KEYS, '--broker-id <id> [options]');
}

/** Fills in the defaults that depend on other settings (ports and data dir from the broker id). */
export function resolveBrokerConfig(c: z.output<typeof BROKER_CONFIG_SCHEMA>): BrokerConfig {
  return {
    ...c,
    port: c.port ?? DEFAULT_PORT_BASE + c.brokerId,
    advertisedHost: c.advertisedHost ?? c.host,
    dataDir: c.dataDir ?? `./.fjord/broker-${c.brokerId}`,
    metricsPort: c.metricsPort ?? DEFAULT_METRICS_PORT_BASE + c.brokerId,
  };
}

/**
 * Reads the broker's configuration: flags, then FJORD_* environment variables, then a YAML
 * or JSON file (`--config` / FJORD_CONFIG), then defaults; every problem at once.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ConfigResult<BrokerConfig> {
  const result = loadSettings({ schema: BROKER_CONFIG_SCHEMA, keys: CONFIG_KEYS, argv, env });
  return result.kind === 'ok' ? { ...result, config: resolveBrokerConfig(result.config) } : result;
}
