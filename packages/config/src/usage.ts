import { CONFIG_FILE_ENV } from './load-config.js';
import { envName, flagName } from './names.js';

/** `--help` text: every setting with its flag and environment variable. */
export function usageText(command: string, keys: readonly string[], synopsis = '[options]'): string {
  const width = Math.max(...keys.map((key) => flagName(key).length)) + 4;
  return [
    `Usage: ${command} ${synopsis}`,
    '',
    'Settings come from flags, then FJORD_* environment variables, then a YAML or JSON file',
    `(--config <file> or ${CONFIG_FILE_ENV}), then defaults.`,
    '',
    ...keys.map((key) => `  --${flagName(key).padEnd(width)}${envName(key)}`),
    `  --${'config <file>'.padEnd(width)}${CONFIG_FILE_ENV}`,
    '  --print-config'.padEnd(width + 4) + '  print the effective configuration as JSON and exit',
    '  --help',
    '',
  ].join('\n');
}
