/**
 * One parsed log line of a Fjord process (pino JSON). Only `msg` and `level` are used by
 * the testkit; the rest is whatever the app logged.
 */
export interface LogEvent {
  msg?: string;
  level?: number;
  [field: string]: unknown;
}

/** Parses a pino JSON line; undefined for anything else (stderr text, a stack trace). */
export function parseLogLine(line: string): LogEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as LogEvent)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the last `capacity` lines of a process's output for error messages and tests. */
export class LineRing {
  readonly #lines: string[] = [];

  constructor(readonly capacity: number) {}

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.capacity) this.#lines.splice(0, this.#lines.length - this.capacity);
  }

  last(n: number): string[] {
    return n <= 0 ? [] : this.#lines.slice(-n);
  }
}
