import type { ProcessStats } from './proc-sampler.js';

/** CPU spent per record and per MiB of record values over one measured window. */
export interface CpuBudget {
  /** Every server process summed (Fjord: coordinator and brokers), µs of CPU per record. */
  serverUsPerRecord: number;
  /** The harness process (all producers and consumers), µs of CPU per record. */
  clientUsPerRecord: number;
  serverUsPerMiB: number;
  clientUsPerMiB: number;
}

/** The name {@link ProcSampler} users give the harness's own process. */
export const CLIENT_PROCESS = 'bench-client';

const MIB = 1024 * 1024;

/**
 * CPU per record and per MiB of `records` values of `recordSize` bytes, from the processes'
 * CPU seconds over the window they were counted in; undefined when nothing was counted.
 */
export function cpuBudget(
  processes: readonly ProcessStats[],
  records: number,
  recordSize: number,
): CpuBudget | undefined {
  if (records <= 0) return undefined;
  const serverSeconds = processes
    .filter((p) => p.name !== CLIENT_PROCESS)
    .reduce((sum, p) => sum + p.cpuSeconds, 0);
  const clientSeconds = processes.find((p) => p.name === CLIENT_PROCESS)?.cpuSeconds ?? 0;
  const mib = (records * recordSize) / MIB;
  return {
    serverUsPerRecord: round2((serverSeconds * 1e6) / records),
    clientUsPerRecord: round2((clientSeconds * 1e6) / records),
    serverUsPerMiB: Math.round((serverSeconds * 1e6) / mib),
    clientUsPerMiB: Math.round((clientSeconds * 1e6) / mib),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
