/**
 * The logger an application passes as the `logger` option. Its methods take the fields first
 * and the message second, the call shape of pino and bunyan, so a pino logger (or a child of
 * one) fits as it is; for `console`, wrap it:
 * `{ info: (fields, message) => console.log(message, fields), ... }`.
 * The SDK never forces a logging library; without the option it logs nothing.
 */
export interface FjordLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * How the SDK's modules log: message first, fields second. {@link fromFjordLogger} adapts
 * the application's logger to it once, in the client.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const noop = (): void => {};

/** A logger that drops every line (the default). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** The SDK's logger writing to the application's (methods stay bound to it, as pino needs). */
export function fromFjordLogger(logger: FjordLogger): Logger {
  const wrap =
    (level: (typeof LEVELS)[number]) =>
    (message: string, fields?: Record<string, unknown>): void =>
      logger[level](fields ?? {}, message);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/** Returns a logger that adds `fields` (e.g. `{ component: 'producer' }`) to every line. */
export function childLogger(logger: Logger, fields: Record<string, unknown>): Logger {
  if (logger === silentLogger) return logger;
  const wrap =
    (level: (typeof LEVELS)[number]) =>
    (message: string, extra?: Record<string, unknown>): void =>
      logger[level](message, { ...fields, ...extra });
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
