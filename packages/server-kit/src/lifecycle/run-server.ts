import type { z } from 'zod';
import { helpText } from '../config/help-text.js';
import { loadConfig } from '../config/load-config.js';
import { settleConfig } from '../config/settle.js';
import { createLogger, type Logger, type LoggerOptions } from '../logger.js';
import { serveUntilSignal } from './serve.js';

/** A started server: what {@link runServer} stops on a signal. */
export interface StoppableServer {
  stop(): Promise<void>;
}

/** Options of {@link runServer}. */
export interface RunServerOptions<Schema extends z.ZodType, Server extends StoppableServer> {
  /** Program name for usage and messages: `fjord-broker`. */
  command: string;
  /** What follows the program name in the usage line; `[options]` when absent. */
  synopsis?: string;
  /** One line on what the program is, for `--help`. */
  summary: string;
  /** The settings' object schema (flags, variables, file keys, help). */
  settings: z.ZodObject;
  /** `settings`, possibly with cross-setting checks and derived defaults. */
  schema: Schema;
  /** The logger's fields and level for a configuration. */
  logger: (config: z.output<Schema>) => Omit<LoggerOptions, 'destination'>;
  start: (config: z.output<Schema>, logger: Logger) => Promise<Server>;
}

/**
 * A server process's main(): reads the configuration from the command line, FJORD_*
 * environment and file (answering `--help`, `--print-config` and bad settings, exit 2),
 * creates the logger, starts the server and runs it until SIGTERM or SIGINT.
 */
export async function runServer<Schema extends z.ZodType, Server extends StoppableServer>(
  options: RunServerOptions<Schema, Server>,
): Promise<void> {
  const { command, synopsis, summary, settings, schema } = options;
  const loaded = loadConfig({ settings, schema, argv: process.argv.slice(2), env: process.env });
  const config = settleConfig(loaded, {
    command,
    help: () => helpText({ command, summary, settings, ...(synopsis === undefined ? {} : { synopsis }) }),
    resolve: (c) => c,
  });
  if (config === undefined) return;
  const loggerOptions = options.logger(config);
  const logger = createLogger(loggerOptions);
  await serveUntilSignal({
    name: loggerOptions.component,
    logger,
    start: () => options.start(config, logger),
    stop: (server) => server.stop(),
  });
}
