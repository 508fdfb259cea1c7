import type { LogEvent } from '@fjord/testkit';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

// Fields every line carries or that the prefix already shows.
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component', 'nodeId', 'v']);
const MAX_FIELDS = 8;
const MAX_VALUE = 120;

const NODE_COLORS = [36, 35, 33, 32, 34, 96, 95, 93];
const LEVEL_COLORS: Record<string, number> = { WARN: 33, ERROR: 31, FATAL: 31, DEBUG: 90, TRACE: 90 };

/** Options of {@link formatLogLine}. */
export interface LogFormat {
  /** ANSI colours (only on a terminal that allows them). */
  color: boolean;
  /** Width the node names are padded to, so messages line up. */
  nameWidth: number;
}

/**
 * One node output line for `fjord dev`, readable rather than raw pino JSON:
 * `[broker-1]    INFO  registered brokerId=1 brokerEpoch=3`. Lines that are not JSON (a crash
 * trace on stderr) are shown as they are, behind the same prefix.
 */
export function formatLogLine(
  node: string,
  line: string,
  event: LogEvent | undefined,
  format: LogFormat,
): string {
  const prefix = paint(`[${node}]`.padEnd(format.nameWidth + 2), nodeColor(node), format.color);
  if (!event) return `${prefix} ${line}`;
  const level = typeof event.level === 'number' ? (LEVELS[event.level] ?? String(event.level)) : 'INFO';
  const fields = Object.entries(event)
    .filter(([key, value]) => !HIDDEN.has(key) && value !== undefined)
    .slice(0, MAX_FIELDS)
    .map(([key, value]) => `${key}=${renderValue(value)}`);
  const text = [paint(level.padEnd(5), LEVEL_COLORS[level], format.color), event.msg ?? '', ...fields]
    .filter((part) => part !== '')
    .join(' ');
  return `${prefix} ${text}`;
}

/** True when stdout is a terminal and the environment does not ask for plain output. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0';
  return stream.isTTY === true;
}

function renderValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  else if (isErrorLike(value)) text = JSON.stringify(value.message);
  else text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function isErrorLike(value: unknown): value is { message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

function nodeColor(node: string): number {
  if (node === 'coordinator') return NODE_COLORS[0] as number;
  const id = Number(/(\d+)$/.exec(node)?.[1] ?? 0);
  return NODE_COLORS[1 + (id % (NODE_COLORS.length - 1))] as number;
}

function paint(text: string, color: number | undefined, enabled: boolean): string {
  return enabled && color !== undefined ? `\u001b[${color}m${text}\u001b[0m` : text;
}
