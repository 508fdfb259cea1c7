import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { readConfigFile } from './config-file.js';
import { envName, flagName } from './names.js';
import { isSecretSetting, settingTraits } from './setting-meta.js';

/** Reads the config file named by `--config` or this variable. */
export const CONFIG_FILE_ENV = 'FJORD_CONFIG';

export interface LoadConfigOptions<Schema extends z.ZodType> {
  /** The settings (camelCase keys): which flags, variables and file keys exist. */
  settings: z.ZodObject;
  /**
   * Validates the raw string values and fills in defaults: `settings` itself, or `settings`
   * with checks across settings (`.refine`) or derived values (`.transform`).
   */
  schema: Schema;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
}

/** Outcome of reading a process's configuration. */
export type ConfigResult<T> =
  | { kind: 'ok'; config: T; printConfig: boolean }
  | { kind: 'help' }
  | { kind: 'invalid'; problems: string[] };

type Source = 'flag' | 'env' | 'file';

/**
 * Reads a server process's configuration from, in order of precedence, command-line flags
 * (`--advertised-host`), FJORD_* environment variables (`FJORD_ADVERTISED_HOST`), a YAML or
 * JSON file (`--config path` or `FJORD_CONFIG`), and the schema's defaults. Every problem is
 * collected, each naming the setting and where its value came from, so that an operator fixes
 * them in one go.
 */
export function loadConfig<Schema extends z.ZodType>(
  options: LoadConfigOptions<Schema>,
): ConfigResult<z.output<Schema>> {
  const { schema, argv, env } = options;
  const keys = Object.keys(options.settings.shape);
  const known = new Set(keys);
  const flagToKey = new Map(keys.map((key) => [flagName(key), key]));
  const { tokens } = parseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries([...flagToKey.keys()].map((flag) => [flag, { type: 'string' as const }])),
      config: { type: 'string' },
      'print-config': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    // Checked below, so that an unknown flag is reported together with every other problem.
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  const problems: string[] = [];
  const fromFlags: Record<string, string> = {};
  let configFile = env[CONFIG_FILE_ENV];
  let printConfig = false;
  for (const token of tokens) {
    if (token.kind === 'positional') problems.push(`unexpected argument ${JSON.stringify(token.value)}`);
    if (token.kind !== 'option') continue;
    if (token.name === 'help' || token.name === 'h') return { kind: 'help' };
    if (token.name === 'print-config') {
      printConfig = true;
      continue;
    }
    const key = flagToKey.get(token.name);
    if (key === undefined && token.name !== 'config') {
      problems.push(`${token.rawName}: unknown flag (see --help)`);
    } else if (token.value === undefined) {
      problems.push(`${token.rawName}: needs a value`);
    } else if (key === undefined) {
      configFile = token.value;
    } else if (
      fromFlags[key] !== undefined &&
      settingTraits(options.settings.shape[key] as z.ZodType).repeatable
    ) {
      fromFlags[key] = `${fromFlags[key]},${token.value}`;
    } else {
      fromFlags[key] = token.value;
    }
  }

  const file = configFile === undefined ? { values: {}, problems: [] } : readConfigFile(configFile, known);
  problems.push(...file.problems);
  const raw: Record<string, string> = {};
  const sourceOf: Record<string, Source> = {};
  for (const key of keys) {
    const candidates: Array<[Source, string | undefined]> = [
      ['flag', fromFlags[key]],
      ['env', env[envName(key)]],
      ['file', file.values[key]],
    ];
    const found = candidates.find(([, value]) => value !== undefined);
    if (found) {
      raw[key] = found[1]!;
      sourceOf[key] = found[0];
    }
  }

  const parsed = schema.safeParse(raw);
  if (parsed.success && problems.length === 0) return { kind: 'ok', config: parsed.data, printConfig };
  for (const issue of parsed.error?.issues ?? []) {
    const key = issue.path[0];
    if (typeof key !== 'string') {
      problems.push(issue.message);
      continue;
    }
    const source = sourceOf[key];
    const origin =
      source === 'flag' ? 'flag' : source === 'env' ? envName(key) : source === 'file' ? configFile : '';
    // A secret's value is never quoted back: the message may end up in a log.
    const shown = isSecretSetting(options.settings.shape[key] as z.ZodType)
      ? 'a value'
      : JSON.stringify(raw[key]);
    const given = source ? ` (got ${shown} from ${origin})` : '';
    problems.push(`--${flagName(key)} / ${envName(key)}: ${issue.message}${given}`);
  }
  return { kind: 'invalid', problems };
}
