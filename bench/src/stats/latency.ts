import * as hdr from 'hdr-histogram-js';

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  /** What was timed, e.g. 'end-to-end (intended send -> consumed)'. */
  kind: string;
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

// Microsecond resolution up to one hour, 3 significant digits: plenty for loopback latencies
// and far beyond any bounded workload.
const HIGHEST_US = 3_600_000_000;

/** An HdrHistogram recording latencies given in milliseconds (stored as microseconds). */
export class LatencyRecorder {
  readonly kind: string;
  readonly #histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });

  constructor(kind: string) {
    this.kind = kind;
  }

  recordMs(ms: number): void {
    const us = Math.round(ms * 1000);
    this.#histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, us)));
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  summary(): LatencySummary | undefined {
    const h = this.#histogram;
    if (h.totalCount === 0) return undefined;
    const ms = (us: number): number => Math.round(us) / 1000;
    return {
      kind: this.kind,
      count: h.totalCount,
      p50: ms(h.getValueAtPercentile(50)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      max: ms(h.maxValue),
    };
  }
}
