import { type Logger, pino } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * The broker's pino logger: JSON lines on stdout, each carrying `component` and `nodeId`
 * (docs/dev/CONTRACTS.md; the testkit reads `listening` and `registered` from here).
 */
export function createLogger(brokerId: number, level: LogLevel): Logger {
  return pino(
    { level, base: { component: 'broker', nodeId: `broker-${brokerId}` } },
    pino.destination({ fd: 1, sync: true }),
  );
}
