/**
 * Renders rows as a table with a header, columns padded to their widest cell and separated by
 * two spaces; the last column is not padded so lines carry no trailing blanks.
 */
export function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  indent = '',
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Broker id lists as Kafka tools print them: `1,2,3`; `-` when empty. */
export function idList(ids: readonly number[]): string {
  return ids.length === 0 ? '-' : ids.join(',');
}

/** `k=v, k=v` sorted by key; `-` when empty. */
export function configList(configs: Readonly<Record<string, string>>): string {
  const entries = Object.entries(configs).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(', ');
}

/** A duration for summaries: `850 ms`, `2.4 s`. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A byte count for summaries: `512 B`, `3.2 KiB`, `1.5 MiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `1 record` / `3 records`; irregular plurals passed in (`plural(n, 'batch', 'batches')`). */
export function plural(n: number | bigint, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 || n === 1n ? word : many}`;
}
