import { pino } from 'pino';

/** The logger type used across the coordinator. */
export type Logger = pino.Logger;

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Creates the coordinator's logger: pino JSON lines on stdout. Every line carries
 * `component` and `nodeId`, which the testkit and `fjord dev` rely on (docs/dev/CONTRACTS.md).
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { component: 'coordinator', nodeId: 'coordinator' } },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
