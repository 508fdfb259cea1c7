import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { keyOfFlag } from './names.js';

/** What a config file holds: values as strings (like flags and env), and what was wrong. */
export interface ConfigFileContents {
  values: Record<string, string>;
  problems: string[];
}

/**
 * Reads a YAML or JSON config file (JSON is YAML, so one parser serves both). Keys may be
 * camelCase (`advertisedHost`) or kebab-case like the flags (`advertised-host`). Scalar values
 * are turned into strings so that one schema validates flags, environment and files alike.
 */
export function readConfigFile(path: string, knownKeys: ReadonlySet<string>): ConfigFileContents {
  const where = `config file ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    return { values: {}, problems: [`${where}: cannot be read (${reason})`] };
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    return { values: {}, problems: [`${where}: not valid YAML or JSON (${(error as Error).message})`] };
  }
  if (document === null || document === undefined) return { values: {}, problems: [] };
  if (typeof document !== 'object' || Array.isArray(document)) {
    return { values: {}, problems: [`${where}: must be a mapping of settings to values`] };
  }
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(document)) {
    const key = keyOfFlag(name);
    if (!knownKeys.has(key)) problems.push(`${where}: unknown setting "${name}"`);
    else if (value === null || typeof value === 'object') {
      problems.push(
        `${where}: "${name}" must be a single value, not ${value === null ? 'null' : 'a list or map'}`,
      );
    } else values[key] = String(value);
  }
  return { values, problems };
}
