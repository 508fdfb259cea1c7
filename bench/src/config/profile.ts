// How long and how big each workload runs in each mode. Only sizes and durations change
// between modes; what is measured stays the same.

export type Mode = 'tiny' | 'quick' | 'full';

export interface Profile {
  mode: Mode;
  /** W1: seconds of maximum-rate produce. */
  w1Seconds: number;
  /** W2: seconds of produce by 4 producers while 4 consumers read. */
  w2Seconds: number;
  /** W3: seconds of each of the two runs (RF=1 acks=1, RF=3 acks=all). */
  w3Seconds: number;
  /** W4: measured seconds per rate, after the warmup. */
  w4Seconds: number;
  w4WarmupSeconds: number;
  /** W4: the fixed rates, records/s. */
  w4Rates: number[];
  /** W5: backlog to build before the consumer starts, bytes of record values. */
  w5BacklogBytes: number;
  /** W5: bound on building the backlog (slow peers stop earlier; the backlog built is reported). */
  w5FillMaxSeconds: number;
  /** Bound on any consumer's drain after producers stopped. */
  drainMaxSeconds: number;
  /** Target bytes of record values per send (one batch / pipeline / publish window). */
  batchBytes: number;
  /** Sends in flight per producer in the maximum-throughput workloads. */
  inflight: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const common = { w4Rates: [10_000, 50_000], batchBytes: 128 * 1024, inflight: 4 };

export const PROFILES: Record<Mode, Profile> = {
  // Seconds-long, for the CI smoke test: proves every path runs, measures nothing meaningful.
  tiny: {
    ...common,
    mode: 'tiny',
    w1Seconds: 0.5,
    w2Seconds: 0.5,
    w3Seconds: 0.5,
    w4Seconds: 0.5,
    w4WarmupSeconds: 0.1,
    w5BacklogBytes: 4 * MiB,
    w5FillMaxSeconds: 2,
    // A drain ends as soon as everything is read, so a generous bound costs nothing when the
    // systems work; on a loaded CI machine NATS consumers took over 10 s for W2's 20,000.
    drainMaxSeconds: 30,
  },
  // All workloads, all peers, both sizes in under 3 minutes on 2 cores.
  quick: {
    ...common,
    mode: 'quick',
    w1Seconds: 3,
    w2Seconds: 3,
    w3Seconds: 2,
    w4Seconds: 2.5,
    w4WarmupSeconds: 0.5,
    w5BacklogBytes: 256 * MiB,
    w5FillMaxSeconds: 4,
    drainMaxSeconds: 20,
  },
  // The numbers for docs/PERFORMANCE.md (OMB uses minutes; this is a compromise for one host).
  full: {
    ...common,
    mode: 'full',
    w1Seconds: 30,
    w2Seconds: 30,
    w3Seconds: 20,
    w4Seconds: 30,
    w4WarmupSeconds: 5,
    w5BacklogBytes: 2 * GiB,
    w5FillMaxSeconds: 240,
    drainMaxSeconds: 300,
  },
};
