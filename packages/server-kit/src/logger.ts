import { type DestinationStream, type Logger, pino } from 'pino';

/** The logger every server part takes (pino's). */
export type { Logger } from 'pino';

/** Log levels a server accepts (`--log-level`). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Which process this is: `broker`, `coordinator`. */
  component: string;
  /** This node's name in the cluster: `broker-1`, `coordinator`. */
  nodeId: string;
  level: LogLevel;
  /** Where lines go; stdout (synchronously) when absent. */
  destination?: DestinationStream;
}

/**
 * A server's logger: pino JSON lines, each carrying `component` and `nodeId`
 * (docs/dev/CONTRACTS.md). Stdout is written synchronously so that the `listening` line the
 * testkit and `fjord dev` wait for, and the last lines before an exit, are never lost.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    { level: options.level, base: { component: options.component, nodeId: options.nodeId } },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** The part of a logger that kit pieces which only report failures need (pino's shape). */
export interface ErrorLogger {
  error(fields: object, message: string): void;
}
