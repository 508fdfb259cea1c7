import type { SystemName } from '../systems/types.js';
import type { Measurement, WorkloadId } from '../workloads/types.js';

/** Fjord's number divided by a peer's, for one workload configuration. */
export interface Ratio {
  workload: WorkloadId;
  recordSize: number;
  variant: string;
  /** What was divided, e.g. 'records/s' (higher is better) or 'p99 ms' (lower is better). */
  metric: string;
  higherIsBetter: boolean;
  peer: SystemName;
  fjord: number;
  peerValue: number;
  /** fjord / peer. */
  ratio: number;
}

/** One of the targets and whether this run met it. */
export interface TargetCheck {
  target: string;
  measured: string;
  status: 'met' | 'not met' | 'not measured';
}

export interface SystemInfo {
  name: SystemName;
  durability: string;
  client: string;
  /** 'ok', or why the system could not be started. */
  status: string;
}

/** Everything a run produced: written as results.json, printed as tables. */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  mode: string;
  argv: string[];
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    kernel: string;
    /** 1-minute load average at the start and the end: other work on the host skews every number. */
    loadAverage: { start: number; end: number };
  };
  systems: SystemInfo[];
  /** Runs of the whole selection (--runs); with more than one, `measurements` holds per-cell medians. */
  runs: number;
  measurements: Measurement[];
  /** With --runs > 1: every run's measurements, in run order. */
  runMeasurements?: Measurement[][];
  ratios: Ratio[];
  targets: TargetCheck[];
}
