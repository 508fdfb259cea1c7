import type { Measurement } from '../workloads/types.js';

/**
 * One measurement per cell (workload, system, record size, variant) from several runs of the
 * same selection: every number is the median over the runs in which the cell succeeded
 * (each independently, so a row may mix runs); process samples (CPU %, RSS) are those of
 * the run with the median records/s. A cell that failed in every run keeps its first
 * failure; one that failed in some says so in `extra.okRuns`.
 */
export function medianMeasurements(runs: readonly Measurement[][]): Measurement[] {
  const cells = new Map<string, Measurement[]>();
  for (const run of runs) {
    for (const m of run) {
      const key = `${m.workload}|${m.system}|${m.recordSize}|${m.variant}`;
      const list = cells.get(key);
      if (list) list.push(m);
      else cells.set(key, [m]);
    }
  }
  return [...cells.values()].map((all) => medianOfCell(all, runs.length));
}

function medianOfCell(all: Measurement[], runs: number): Measurement {
  const ok = all.filter((m) => m.status === 'ok');
  if (ok.length === 0) return all[0] as Measurement;
  const byRate = [...ok].sort((a, b) => (a.recordsPerSec ?? 0) - (b.recordsPerSec ?? 0));
  const middle = byRate[Math.floor((byRate.length - 1) / 2)] as Measurement;
  const med = (read: (m: Measurement) => number | undefined): number | undefined => median(ok.map(read));
  const result: Measurement = {
    ...middle,
    recordsPerSec: roundOrUndefined(med((m) => m.recordsPerSec)),
    mibPerSec: roundOrUndefined(
      med((m) => m.mibPerSec),
      2,
    ),
    runRecordsPerSec: all.map((m) => m.recordsPerSec ?? Number.NaN),
  };
  if (middle.latency) {
    result.latency = {
      ...middle.latency,
      p50: med((m) => m.latency?.p50) ?? middle.latency.p50,
      p99: med((m) => m.latency?.p99) ?? middle.latency.p99,
      p999: med((m) => m.latency?.p999) ?? middle.latency.p999,
      max: med((m) => m.latency?.max) ?? middle.latency.max,
    };
  }
  if (middle.cpu) {
    result.cpu = {
      serverUsPerRecord: med((m) => m.cpu?.serverUsPerRecord) ?? middle.cpu.serverUsPerRecord,
      clientUsPerRecord: med((m) => m.cpu?.clientUsPerRecord) ?? middle.cpu.clientUsPerRecord,
      serverUsPerMiB: roundOrUndefined(med((m) => m.cpu?.serverUsPerMiB)) ?? middle.cpu.serverUsPerMiB,
      clientUsPerMiB: roundOrUndefined(med((m) => m.cpu?.clientUsPerMiB)) ?? middle.cpu.clientUsPerMiB,
    };
  }
  if (middle.storage) {
    result.storage = {
      userMiB: med((m) => m.storage?.userMiB) ?? middle.storage.userMiB,
      tableWrittenMiB: med((m) => m.storage?.tableWrittenMiB) ?? middle.storage.tableWrittenMiB,
      writeAmplification: med((m) => m.storage?.writeAmplification) ?? middle.storage.writeAmplification,
    };
  }
  const extra: Record<string, number | string> = { ...middle.extra };
  for (const [key, value] of Object.entries(extra)) {
    if (typeof value === 'number') extra[key] = med((m) => numberOrUndefined(m.extra?.[key])) ?? value;
  }
  if (ok.length < runs) extra.okRuns = `${ok.length}/${runs}`;
  result.extra = extra;
  return result;
}

/** The median of the defined numbers (the mean of the middle two for an even count). */
export function median(values: ReadonlyArray<number | undefined>): number | undefined {
  const sorted = values
    .filter((v): v is number => v !== undefined && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function numberOrUndefined(value: number | string | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function roundOrUndefined(value: number | undefined, digits = 0): number | undefined {
  const scale = 10 ** digits;
  return value === undefined ? undefined : Math.round(value * scale) / scale;
}
