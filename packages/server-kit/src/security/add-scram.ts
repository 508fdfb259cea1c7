import { DEFAULT_SCRAM_ITERATIONS } from '@fjord/security';
import { z } from 'zod';
import { Secret } from '../config/secret.js';
import { markSetting } from '../config/setting-meta.js';

/** One `--add-scram` entry: a user's password for one SCRAM mechanism, to store salted. */
export interface ScramUserToAdd {
  readonly mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly username: string;
  readonly password: Secret;
  readonly iterations: number;
  /** The salt to derive the credential with (`salt=`, base64); random when absent. */
  readonly salt?: Buffer;
}

const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
const MIN_ITERATIONS = 4_096;
const MAX_ITERATIONS = 16_384;

/** Splits at commas that are outside `[...]` and outside double quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '[') depth++;
    else if (!quoted && c === ']') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/**
 * Parses Kafka's `kafka-storage.sh format --add-scram` syntax:
 * `SCRAM-SHA-256=[name=alice,password=alice-secret]`, several separated by commas;
 * `iterations=8192` and `salt=<base64>` are optional, values may be double-quoted. Kafka's
 * pre-salted form (`saltedpassword=`) is refused: give the password. Problems never quote a
 * password.
 */
export function parseAddScram(text: string): { users: ScramUserToAdd[] } | { problem: string } {
  const users: ScramUserToAdd[] = [];
  for (const entry of splitTopLevel(text)) {
    const match = /^([A-Za-z0-9-]+)=\[(.*)\]$/s.exec(entry);
    const mechanismName = match?.[1]?.toUpperCase() ?? '';
    if (!match) {
      return {
        problem:
          'each entry is MECHANISM=[name=NAME,password=PASSWORD], e.g. SCRAM-SHA-256=[name=admin,password=...]',
      };
    }
    if (!(MECHANISMS as readonly string[]).includes(mechanismName)) {
      return { problem: `unknown SCRAM mechanism "${match[1]}" (one of ${MECHANISMS.join(', ')})` };
    }
    const fields = new Map<string, string>();
    for (const field of splitTopLevel(match[2] as string)) {
      const eq = field.indexOf('=');
      const key = eq > 0 ? field.slice(0, eq).trim().toLowerCase() : '';
      if (key === '')
        return { problem: `${mechanismName} entry: a field is KEY=VALUE (name, password, iterations)` };
      if (fields.has(key)) return { problem: `${mechanismName} entry: ${key} is given twice` };
      fields.set(key, unquote(field.slice(eq + 1).trim()));
    }
    for (const key of fields.keys()) {
      if (key === 'saltedpassword') {
        return {
          problem: `${mechanismName} entry: pre-salted credentials (saltedpassword) are not supported; give password=`,
        };
      }
      if (!['name', 'password', 'iterations', 'salt'].includes(key)) {
        return {
          problem: `${mechanismName} entry: unknown field "${key}" (name, password, iterations, salt)`,
        };
      }
    }
    const username = fields.get('name') ?? '';
    const password = fields.get('password') ?? '';
    if (username === '') return { problem: `${mechanismName} entry: name= is required and not empty` };
    if (password === '')
      return { problem: `${mechanismName} entry for ${username}: password= is required and not empty` };
    const iterationsText = fields.get('iterations');
    const iterations = iterationsText === undefined ? DEFAULT_SCRAM_ITERATIONS : Number(iterationsText);
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      return {
        problem: `${mechanismName} entry for ${username}: iterations must be a whole number within ${MIN_ITERATIONS}..${MAX_ITERATIONS}`,
      };
    }
    const saltText = fields.get('salt');
    const salt = saltText === undefined ? undefined : Buffer.from(saltText, 'base64');
    if (salt !== undefined && (salt.length === 0 || salt.toString('base64') !== saltText)) {
      return { problem: `${mechanismName} entry for ${username}: salt= must be non-empty base64` };
    }
    if (users.some((u) => u.username === username && u.mechanism === mechanismName)) {
      return { problem: `${mechanismName} credential of ${username} is given twice` };
    }
    users.push({
      mechanism: mechanismName as ScramUserToAdd['mechanism'],
      username,
      password: new Secret(password),
      iterations,
      ...(salt === undefined ? {} : { salt }),
    });
  }
  if (users.length === 0) return { problem: 'names no user: MECHANISM=[name=NAME,password=PASSWORD]' };
  return { users };
}

/**
 * The coordinator's `--add-scram` setting (env FJORD_ADD_SCRAM): SCRAM users the quorum leader
 * creates when they have no credential for that mechanism yet. The flag may be repeated, or
 * take a comma list; passwords print as `***`.
 */
export const addScramSetting = markSetting(
  z.string().transform((text, ctx) => {
    const parsed = parseAddScram(text);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.users;
  }),
  { secret: true, repeatable: true },
)
  .optional()
  .describe(
    "SCRAM users to create if missing, kafka-storage.sh's syntax: 'SCRAM-SHA-256=[name=admin,password=...]' (a comma list, or the flag repeated; never printed)",
  );
