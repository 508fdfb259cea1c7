import {
  createScramCredential,
  DEFAULT_SCRAM_ITERATIONS,
  type ScramCredential,
  scramMechanism,
} from '@fjord/security';

/**
 * One credential of `--add-scram`: the user and the salted credential derived from the
 * password at parse time, so the password itself is not kept. Printed (`--print-config`) and
 * logged as its user, mechanism and iterations, with `password: '***'`.
 */
export class BootstrapScramCredential {
  constructor(
    readonly user: string,
    readonly credential: ScramCredential,
  ) {}

  /** What `--print-config` and the logs show: never the password, the salt or the keys. */
  toJSON(): Record<string, string | number> {
    return {
      mechanism: this.credential.mechanism.name,
      name: this.user,
      iterations: this.credential.iterations,
      password: '***',
    };
  }
}

/** Splits `a,b` at the commas outside `[...]` and `"..."`. */
function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '[') depth++;
    else if (!quoted && c === ']') depth--;
    else if (!quoted && depth === 0 && c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/**
 * Parses `--add-scram`, Kafka's `kafka-storage.sh format --add-scram` syntax:
 * `SCRAM-SHA-256=[name=admin,password=admin-secret]`, several separated by commas; optional
 * `iterations=8192` and `salt=<base64>` (a random salt otherwise); values may be in double
 * quotes (a password with `,` or `]`). Errors name the entry by its position and user, never
 * a password.
 */
export function parseAddScram(text: string): BootstrapScramCredential[] {
  const credentials: BootstrapScramCredential[] = [];
  const seen = new Set<string>();
  const entries = splitOutside(text.trim(), ',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const match = /^([A-Za-z0-9-]+)=\[(.*)\]$/s.exec(entry);
    if (!match) throw new Error(`${where} must look like SCRAM-SHA-256=[name=NAME,password=PASSWORD]`);
    const mechanism = scramMechanism(match[1]!);
    const fields = new Map<string, string>();
    for (const pair of splitOutside(match[2]!, ',')) {
      const equals = pair.indexOf('=');
      const key = (equals < 0 ? pair : pair.slice(0, equals)).trim().toLowerCase();
      if (equals < 0 || !['name', 'password', 'iterations', 'salt'].includes(key)) {
        throw new Error(`${where}: expected name=, password=, iterations= or salt=, got '${key}'`);
      }
      if (fields.has(key)) throw new Error(`${where}: ${key} is given twice`);
      fields.set(key, unquote(pair.slice(equals + 1).trim()));
    }
    const user = fields.get('name');
    if (!user) throw new Error(`${where}: name= is missing or empty`);
    const password = fields.get('password');
    if (!password) throw new Error(`${where} (${user}): password= is missing or empty`);
    const key = `${user}\n${mechanism.name}`;
    if (seen.has(key)) throw new Error(`${where}: ${mechanism.name} of '${user}' is given twice`);
    seen.add(key);
    const iterationsText = fields.get('iterations');
    const iterations = iterationsText === undefined ? DEFAULT_SCRAM_ITERATIONS : Number(iterationsText);
    const saltText = fields.get('salt');
    const salt = saltText === undefined ? undefined : Buffer.from(saltText, 'base64');
    if (salt !== undefined && (salt.length === 0 || salt.toString('base64') !== saltText)) {
      throw new Error(`${where} (${user}): salt= must be non-empty base64`);
    }
    let credential: ScramCredential;
    try {
      credential = createScramCredential(mechanism, password, {
        iterations,
        ...(salt === undefined ? {} : { salt }),
      });
    } catch (error) {
      throw new Error(`${where} (${user}): ${(error as Error).message}`);
    }
    credentials.push(new BootstrapScramCredential(user, credential));
  });
  return credentials;
}
