import type { Profile } from '../config/profile.js';
import type { CpuBudget } from '../stats/cpu-budget.js';
import type { LatencySummary } from '../stats/latency.js';
import type { ProcessStats } from '../stats/proc-sampler.js';
import type { StorageDelta } from '../stats/storage-counters.js';
import type { SystemDriver, SystemName } from '../systems/types.js';

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'W5';

export const WORKLOAD_IDS: readonly WorkloadId[] = ['W1', 'W2', 'W3', 'W4', 'W5'];

/** One measured (or skipped) configuration: a workload, a system, a record size, a variant. */
export interface Measurement {
  workload: WorkloadId;
  system: SystemName;
  recordSize: number;
  /** e.g. 'RF=1 acks=1', '50000 rec/s'. */
  variant: string;
  status: 'ok' | 'skipped' | 'error';
  /** Why skipped, or the error. */
  reason?: string;
  records?: number;
  seconds?: number;
  recordsPerSec?: number;
  mibPerSec?: number;
  latency?: LatencySummary;
  /** Every server process and the harness client, over the measured window. */
  processes?: ProcessStats[];
  /** CPU per record and per MiB over the measured window, from `processes`. */
  cpu?: CpuBudget;
  /**
   * What the brokers' LevelDB wrote during the whole cell (setup such as W5's backlog
   * included, so every measurement of one cell shows the same numbers). Fjord only.
   */
  storage?: StorageDelta;
  /** With --runs N: this cell's records/s in every run, in run order (the row holds the medians). */
  runRecordsPerSec?: number[];
  /** Workload-specific numbers (consume rate of W2, backlog of W5, ...). */
  extra?: Record<string, number | string>;
}

/** What a workload run gets. */
export interface WorkloadContext {
  driver: SystemDriver;
  profile: Profile;
  recordSize: number;
  /** A log name unique in this run, e.g. `w1-100-k3x9`. */
  logName(workload: WorkloadId): string;
  progress(line: string): void;
}

/** A workload: runs against one system at one record size; returns one or more measurements. */
export type Workload = (ctx: WorkloadContext) => Promise<Measurement[]>;
