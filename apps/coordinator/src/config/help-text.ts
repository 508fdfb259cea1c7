import { CONFIG_FILE_ENV, envName, flagName } from '@fjord/config';
import { CONFIG_KEYS, type ConfigKey } from './config-schema.js';

const DESCRIPTIONS: Record<ConfigKey, string> = {
  host: 'bind address of the gRPC server (default 127.0.0.1)',
  port: 'gRPC port, 0 = ephemeral (default 7400)',
  advertisedHost: 'host clients are told to connect to (default: --host)',
  dataDir: 'directory of the metadata log (default ./.fjord/coordinator)',
  sessionTimeoutMs: 'fence a broker after this long without a heartbeat (default 10000)',
  heartbeatIntervalMs: 'heartbeat interval brokers are told to use (default 2000)',
  leaderImbalanceCheckIntervalMs:
    'return leadership to preferred replicas this often, 0 = off (default 30000)',
  groupHeartbeatIntervalMs: 'heartbeat interval consumer-group members are told to use (default 500)',
  snapshotEveryRecords: 'snapshot the metadata state every N records (default 1000)',
  metricsPort: 'HTTP port of /metrics and /healthz, 0 = ephemeral, -1 = off (default 9400)',
  logLevel: 'trace|debug|info|warn|error (default info)',
};

/** The `--help` text: every flag with its environment variable and default. */
export function helpText(): string {
  const lines = CONFIG_KEYS.map((key) => {
    const flag = `--${flagName(key)} <value>`.padEnd(34);
    return `  ${flag}${DESCRIPTIONS[key]}\n  ${''.padEnd(34)}env ${envName(key)}`;
  });
  return [
    'Usage: fjord-coordinator [flags]',
    '',
    'Fjord coordinator: cluster metadata, broker liveness and leader election.',
    'Flags win over FJORD_* environment variables, which win over a YAML or JSON file',
    `(--config <file> or ${CONFIG_FILE_ENV}), which wins over defaults.`,
    '',
    ...lines,
    `  ${'--config <file>'.padEnd(34)}settings from a YAML or JSON file (env ${CONFIG_FILE_ENV})`,
    `  ${'--print-config'.padEnd(34)}print the effective configuration as JSON and exit`,
    `  ${'--help'.padEnd(34)}print this help`,
    '',
  ].join('\n');
}
