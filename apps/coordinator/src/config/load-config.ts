import { parseArgs } from 'node:util';
import { envName, flagName } from './config-names.js';
import {
  CONFIG_KEYS,
  COORDINATOR_CONFIG_SCHEMA,
  type ConfigKey,
  type CoordinatorConfig,
} from './config-schema.js';

/** Outcome of reading the configuration. */
export type ConfigResult =
  | { kind: 'ok'; config: CoordinatorConfig }
  | { kind: 'help' }
  | { kind: 'invalid'; problems: string[] };

/**
 * Reads the configuration from command-line flags and FJORD_* environment variables
 * (flags win over env, env over defaults) and validates it. Returns every problem at once
 * so an operator can fix them in one go.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ConfigResult {
  const known = new Map<string, ConfigKey>(CONFIG_KEYS.map((key) => [flagName(key), key]));
  // Non-strict parsing, checked below, so an unknown flag is reported with every other problem.
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries([...known.keys()].map((name) => [name, { type: 'string' as const }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const problems: string[] = [];
  const fromFlags: Partial<Record<ConfigKey, string>> = {};
  for (const token of tokens) {
    if (token.kind === 'positional') problems.push(`unexpected argument ${JSON.stringify(token.value)}`);
    if (token.kind !== 'option') continue;
    if (token.name === 'help' || token.name === 'h') return { kind: 'help' };
    const key = known.get(token.name);
    if (key === undefined) problems.push(`${token.rawName}: unknown flag (see --help)`);
    else if (token.value === undefined) problems.push(`${token.rawName}: needs a value`);
    else fromFlags[key] = token.value;
  }

  const raw: Partial<Record<ConfigKey, string>> = {};
  for (const key of CONFIG_KEYS) {
    const value = fromFlags[key] ?? env[envName(key)];
    if (value !== undefined) raw[key] = value;
  }

  const parsed = COORDINATOR_CONFIG_SCHEMA.safeParse(raw);
  if (parsed.success && problems.length === 0) return { kind: 'ok', config: parsed.data };
  const schemaProblems = (parsed.error?.issues ?? []).map((issue) => {
    const key = issue.path[0] as ConfigKey | undefined;
    if (key === undefined) return issue.message;
    const given = raw[key] === undefined ? '' : ` (got ${JSON.stringify(raw[key])})`;
    return `--${flagName(key)} / ${envName(key)}: ${issue.message}${given}`;
  });
  return { kind: 'invalid', problems: [...problems, ...schemaProblems] };
}
