import { InvalidArgumentError } from 'commander';

// Option parsers for commander: they throw commander's InvalidArgumentError, which commander
// reports as a usage error naming the option ("option '--partitions <n>' argument 'x' is invalid").

/** An integer >= `min`. */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    }
    return n;
  };
}

/** A TCP port, 1..65535. */
export function port(value: string): number {
  const n = integerAtLeast(1)(value);
  if (n > 65_535) throw new InvalidArgumentError('expected a port number (1-65535).');
  return n;
}

/** `0`, `1` or `all` (also `-1`, Kafka's spelling of all). */
export function acks(value: string): 0 | 1 | 'all' {
  if (value === '0') return 0;
  if (value === '1') return 1;
  if (value === 'all' || value === '-1') return 'all';
  throw new InvalidArgumentError('expected 0, 1 or all.');
}

/** Collects `key=value` pairs of a repeatable or variadic option into a record. */
export function configPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value.');
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/** Collects the values of a repeatable or variadic option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Where `consume` starts, kcat style (`-o`): `beginning`, `end`, an absolute offset N >= 0,
 * or -N for N records before the end of each partition.
 */
export type StartOffset =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'absolute' | 'fromEnd'; offset: bigint };

export function startOffset(value: string): StartOffset {
  const v = value.trim();
  if (v === 'beginning' || v === 'earliest') return { kind: 'beginning' };
  if (v === 'end' || v === 'latest') return { kind: 'end' };
  if (/^\d+$/.test(v)) return { kind: 'absolute', offset: BigInt(v) };
  if (/^-\d+$/.test(v)) return { kind: 'fromEnd', offset: BigInt(v.slice(1)) };
  throw new InvalidArgumentError('expected beginning, end, an offset >= 0, or -N (N before the end).');
}

/** A `host:port` address (IPv6 hosts in brackets). */
export function address(value: string): string {
  const v = value.trim();
  const match = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(v);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65_535) {
    throw new InvalidArgumentError('expected host:port, e.g. 127.0.0.1:7400.');
  }
  return v;
}

/**
 * One or more `host:port`, comma-separated (`a:7400,b:7401`), normalised to `a:7400,b:7401`
 * (no spaces). The message names the entry that is not host:port.
 */
export function addressList(value: string): string {
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    try {
      address(entry);
    } catch {
      throw new InvalidArgumentError(
        entry === ''
          ? 'expected host:port[,host:port...] without empty entries, e.g. 127.0.0.1:7400,127.0.0.1:7401.'
          : `${JSON.stringify(entry)} is not host:port; expected host:port[,host:port...], e.g. 127.0.0.1:7400.`,
      );
    }
  }
  return [...new Set(entries)].join(',');
}

/**
 * A separator given on the command line; `\t` and `\n` escapes are understood because a real
 * tab is awkward to type in most shells.
 */
export function separator(value: string): string {
  const unescaped = value.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  if (unescaped.length === 0) throw new InvalidArgumentError('the separator must not be empty.');
  return unescaped;
}

/** A compression codec name, as the producer option takes it. */
export function compression(value: string): 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd' {
  const v = value.trim().toLowerCase();
  if (v === 'none' || v === 'gzip' || v === 'snappy' || v === 'lz4' || v === 'zstd') return v;
  throw new InvalidArgumentError('expected none, gzip, snappy, lz4 or zstd.');
}
