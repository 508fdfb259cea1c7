import { parseArgs } from 'node:util';
import {
  BROKER_CONFIG_SCHEMA,
  type BrokerConfig,
  DEFAULT_PORT_BASE,
  type RawBrokerConfig,
} from './schema.js';

/** Flag name (kebab-case) for a config key (camelCase): brokerId -> broker-id. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Environment variable for a config key: brokerId -> FJORD_BROKER_ID. */
export function envName(key: string): string {
  return `FJORD_${flagName(key).replace(/-/g, '_').toUpperCase()}`;
}

const CONFIG_KEYS = Object.keys(BROKER_CONFIG_SCHEMA.shape);

/** Usage text for --help. */
export function usage(): string {
  const lines = CONFIG_KEYS.map((key) => `  --${flagName(key).padEnd(30)} (env ${envName(key)})`);
  return ['Usage: fjord-broker --broker-id <id> [options]', '', 'Options:', ...lines, '  --help'].join('\n');
}

export type LoadResult =
  | { kind: 'config'; config: BrokerConfig }
  | { kind: 'help'; text: string }
  | { kind: 'invalid'; problems: string[] };

/**
 * Reads the configuration from command-line flags and FJORD_* environment variables
 * (flags > env > defaults) and validates it. Returns every problem at once.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadResult {
  const options = Object.fromEntries(CONFIG_KEYS.map((key) => [flagName(key), { type: 'string' as const }]));
  const { values: flags, tokens } = parseArgs({
    args: [...argv],
    options: { ...options, help: { type: 'boolean' } },
    strict: false,
    tokens: true,
  });
  // Non-strict parsing so that every problem is reported at once, not just the first.
  const problems: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') problems.push(`unexpected argument "${token.value}"`);
    if (token.kind !== 'option') continue;
    if (token.name !== 'help' && !(token.name in options)) problems.push(`unknown option ${token.rawName}`);
    else if (token.name !== 'help' && token.value === undefined)
      problems.push(`${token.rawName} needs a value`);
  }
  if (flags.help) return { kind: 'help', text: usage() };
  const raw: RawBrokerConfig = {};
  for (const key of CONFIG_KEYS) {
    const flag = flags[flagName(key)];
    const value = typeof flag === 'string' ? flag : env[envName(key)];
    if (value !== undefined) raw[key] = value;
  }
  const parsed = BROKER_CONFIG_SCHEMA.safeParse(raw);
  if (!parsed.success || problems.length > 0) {
    return {
      kind: 'invalid',
      problems: problems.concat(
        (parsed.error?.issues ?? []).map((issue) => {
          const key = String(issue.path[0] ?? '');
          const where = key ? `--${flagName(key)} (${envName(key)})` : 'config';
          const given = key && raw[key] !== undefined ? ` (got ${JSON.stringify(raw[key])})` : '';
          return `${where}: ${issue.message}${given}`;
        }),
      ),
    };
  }
  const c = parsed.data;
  return {
    kind: 'config',
    config: {
      ...c,
      port: c.port ?? DEFAULT_PORT_BASE + c.brokerId,
      advertisedHost: c.advertisedHost ?? c.host,
      dataDir: c.dataDir ?? `./.fjord/broker-${c.brokerId}`,
    },
  };
}
