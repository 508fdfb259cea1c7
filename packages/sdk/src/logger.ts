/**
 * The logger the SDK writes to. Any object with these four methods works (pino, console
 * wrappers, ...); the SDK never forces a logging library. The default discards everything.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** A logger that drops every line (the default). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Returns a logger that adds `fields` (e.g. `{ component: 'producer' }`) to every line. */
export function childLogger(logger: Logger, fields: Record<string, unknown>): Logger {
  if (logger === silentLogger) return logger;
  const wrap =
    (level: keyof Logger) =>
    (message: string, extra?: Record<string, unknown>): void =>
      logger[level](message, { ...fields, ...extra });
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
