import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { addressList } from './parse.js';
import { UsageError } from './usage-error.js';

/** TLS options of a client, as the SDK takes them (KafkaJS's `ssl`): PEM text, never paths. */
export interface ClientSsl {
  ca?: string | string[];
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
}

/** SASL options of a client, as the SDK takes them (KafkaJS's `sasl`). */
export interface ClientSasl {
  mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain';
  username: string;
  password: string;
}

/**
 * The contents of a `--client-config` file once checked: the SDK's client options, with
 * `caFile`/`certFile`/`keyFile` read into `ca`/`cert`/`key`.
 */
export interface ClientConfig {
  bootstrap?: string[];
  clientId?: string;
  requestTimeoutMs?: number;
  metadataMaxAgeMs?: number;
  ssl?: true | ClientSsl;
  sasl?: ClientSasl;
}

const TOP_LEVEL = ['bootstrap', 'clientId', 'requestTimeoutMs', 'metadataMaxAgeMs', 'ssl', 'sasl'];
const SSL_FIELDS = ['ca', 'cert', 'key', 'caFile', 'certFile', 'keyFile', 'rejectUnauthorized', 'servername'];
const SASL_FIELDS = ['mechanism', 'username', 'password'];
const SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;

/** The file `--client-config` names, else FJORD_CLIENT_CONFIG, else none. */
export function clientConfigPath(option: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (option !== undefined) return option;
  const fromEnv = env.FJORD_CLIENT_CONFIG?.trim();
  return fromEnv ? fromEnv : undefined;
}

/**
 * Reads and checks a client config file (JSON). Every problem is a UsageError naming the file
 * and the field; a password is never quoted.
 */
export function loadClientConfig(path: string): ClientConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `client config ${path}: cannot read it (${code === 'ENOENT' ? 'no such file' : (code ?? String(error))})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`client config ${path}: not valid JSON (${(error as Error).message})`);
  }
  return checkClientConfig(json, path, dirname(file));
}

/** Checks parsed client config JSON; `baseDir` is where `*File` paths are relative to. */
export function checkClientConfig(json: unknown, path: string, baseDir: string): ClientConfig {
  const fail = (problem: string): never => {
    throw new UsageError(`client config ${path}: ${problem}`);
  };
  if (!isObject(json)) return fail('expected a JSON object such as { "bootstrap": ["127.0.0.1:7400"] }');
  unknownFields(json, TOP_LEVEL, '', fail);
  const config: ClientConfig = {};
  if (json.bootstrap !== undefined) config.bootstrap = bootstrapOf(json.bootstrap, fail);
  if (json.clientId !== undefined) {
    if (typeof json.clientId !== 'string' || json.clientId === '')
      fail('clientId must be a non-empty string');
    config.clientId = json.clientId as string;
  }
  for (const field of ['requestTimeoutMs', 'metadataMaxAgeMs'] as const) {
    const value = json[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      fail(`${field} must be a positive integer (milliseconds)`);
    }
    config[field] = value as number;
  }
  if (json.ssl !== undefined) config.ssl = sslOf(json.ssl, baseDir, fail);
  if (json.sasl !== undefined) config.sasl = saslOf(json.sasl, fail);
  return config;
}

function bootstrapOf(value: unknown, fail: (problem: string) => never): string[] {
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((a) => typeof a !== 'string')) {
    return fail('bootstrap must be an array of "host:port" strings (or one comma-separated string)');
  }
  try {
    return addressList((list as string[]).join(',')).split(',');
  } catch (error) {
    return fail(`bootstrap: ${(error as Error).message}`);
  }
}

function sslOf(value: unknown, baseDir: string, fail: (problem: string) => never): true | ClientSsl {
  if (value === true) return true;
  if (!isObject(value)) return fail('ssl must be true or an object { ca, cert, key, rejectUnauthorized }');
  unknownFields(value, SSL_FIELDS, 'ssl.', fail);
  const ssl: ClientSsl = {};
  const pem = (field: 'ca' | 'cert' | 'key'): string | string[] | undefined => {
    const fileField = `${field}File`;
    const inline = value[field];
    const path = value[fileField];
    if (inline !== undefined && path !== undefined) fail(`give ssl.${field} or ssl.${fileField}, not both`);
    if (path !== undefined) {
      if (typeof path !== 'string' || path === '') fail(`ssl.${fileField} must be a file path`);
      const file = resolve(baseDir, path as string);
      try {
        return readFileSync(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return fail(`ssl.${fileField}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : code})`);
      }
    }
    if (inline === undefined) return undefined;
    const items = field === 'ca' && Array.isArray(inline) ? inline : [inline];
    for (const item of items) {
      if (typeof item !== 'string' || !item.includes('-----BEGIN')) {
        fail(`ssl.${field} must be PEM text (-----BEGIN ...); for a path use ssl.${fileField}`);
      }
    }
    return inline as string | string[];
  };
  const ca = pem('ca');
  const cert = pem('cert');
  const key = pem('key');
  if (ca !== undefined) ssl.ca = ca;
  if (cert !== undefined) ssl.cert = cert as string;
  if (key !== undefined) ssl.key = key as string;
  if ((cert === undefined) !== (key === undefined))
    fail('ssl.cert and ssl.key go together: give both or neither');
  if (value.rejectUnauthorized !== undefined) {
    if (typeof value.rejectUnauthorized !== 'boolean') fail('ssl.rejectUnauthorized must be true or false');
    ssl.rejectUnauthorized = value.rejectUnauthorized as boolean;
  }
  if (value.servername !== undefined) {
    if (typeof value.servername !== 'string' || value.servername === '')
      fail('ssl.servername must be a host name');
    ssl.servername = value.servername as string;
  }
  return ssl;
}

function saslOf(value: unknown, fail: (problem: string) => never): ClientSasl {
  if (!isObject(value)) return fail('sasl must be an object { mechanism, username, password }');
  unknownFields(value, SASL_FIELDS, 'sasl.', fail);
  const mechanism = typeof value.mechanism === 'string' ? value.mechanism.toLowerCase() : undefined;
  if (!SASL_MECHANISMS.includes(mechanism as ClientSasl['mechanism'])) {
    fail(`sasl.mechanism must be one of ${SASL_MECHANISMS.join(', ')}`);
  }
  if (typeof value.username !== 'string' || value.username === '')
    fail('sasl.username must be a non-empty string');
  if (typeof value.password !== 'string' || value.password === '')
    fail('sasl.password must be a non-empty string');
  return {
    mechanism: mechanism as ClientSasl['mechanism'],
    username: value.username as string,
    password: value.password as string,
  };
}

function unknownFields(
  object: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
  fail: (problem: string) => never,
): void {
  const unknown = Object.keys(object).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    fail(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${prefix}${k}"`).join(', ')}; ` +
        `known: ${known.map((k) => prefix + k).join(', ')}`,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
