import { z } from 'zod';
import { CONFIG_FILE_ENV } from './load-config.js';
import { envName, flagName } from './names.js';

/** What `--help` says about one setting, read from its schema. */
export interface SettingHelp {
  key: string;
  /** The schema's `.describe()` text. */
  description: string;
  /** The schema's default, as text; undefined when the setting has none (or a derived one). */
  defaultValue: string | undefined;
  /** The allowed values of an enum setting. */
  choices: readonly string[] | undefined;
  required: boolean;
}

/** Options of {@link helpText}. */
export interface HelpTextOptions {
  /** Program name: `fjord-broker`. */
  command: string;
  /** What follows the program name in the usage line; `[options]` when absent. */
  synopsis?: string;
  /** One line on what the program is. */
  summary: string;
  /** The settings' object schema: keys, `.describe()` texts and defaults come from it. */
  settings: z.ZodObject;
}

/**
 * Reads a setting's help from its schema, looking through `.default()`, `.optional()` and
 * `.describe()` in any order, so that each default and description is written once, in the
 * schema, and help cannot disagree with what the process does.
 */
export function settingHelp(key: string, schema: z.ZodType): SettingHelp {
  let description: string | undefined;
  let defaultValue: string | undefined;
  let required = true;
  let current: z.ZodType = schema;
  for (;;) {
    description ??= current.description;
    if (current instanceof z.ZodDefault) {
      defaultValue = String(current.def.defaultValue);
      required = false;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodOptional) {
      required = false;
      current = current.unwrap() as z.ZodType;
    } else break;
  }
  if (description === undefined) throw new Error(`setting "${key}" has no .describe() text for --help`);
  const choices = current instanceof z.ZodEnum ? (current.options as string[]) : undefined;
  return { key, description, defaultValue, choices, required };
}

/**
 * The `--help` text of a server process, generated from its settings schema: every setting
 * with its flag, environment variable, description, allowed values and default.
 */
export function helpText(options: HelpTextOptions): string {
  const settings = Object.entries(options.settings.shape).map(([key, schema]) =>
    settingHelp(key, schema as z.ZodType),
  );
  const flagOf = (key: string) => `--${flagName(key)} <value>`;
  const column = Math.max(...settings.map((s) => flagOf(s.key).length), '--print-config'.length) + 2;
  const line = (left: string, right: string) => `  ${left.padEnd(column)}${right}`;
  const lines = settings.map((s) => {
    const notes = [
      s.choices ? `one of ${s.choices.join('|')}` : undefined,
      s.required ? 'required' : s.defaultValue === undefined ? undefined : `default ${s.defaultValue}`,
    ].filter((note) => note !== undefined);
    const text = notes.length === 0 ? s.description : `${s.description} (${notes.join('; ')})`;
    return [line(flagOf(s.key), text), line('', `env ${envName(s.key)}`)].join('\n');
  });
  return [
    `Usage: ${options.command} ${options.synopsis ?? '[options]'}`,
    '',
    options.summary,
    'Flags win over FJORD_* environment variables, which win over a YAML or JSON file',
    `(--config <file> or ${CONFIG_FILE_ENV}), which wins over defaults.`,
    '',
    ...lines,
    line('--config <file>', `settings from a YAML or JSON file (env ${CONFIG_FILE_ENV})`),
    line('--print-config', 'print the effective configuration as JSON and exit'),
    line('--help', 'print this help'),
    '',
  ].join('\n');
}
