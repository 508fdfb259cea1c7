import type { Measurement } from '../workloads/types.js';
import type { Ratio } from './types.js';

interface Metric {
  name: string;
  higherIsBetter: boolean;
  read: (m: Measurement) => number | undefined;
}

const RECORDS_PER_SEC: Metric = { name: 'records/s', higherIsBetter: true, read: (m) => m.recordsPerSec };
const CONSUME_PER_SEC: Metric = {
  name: 'consumed records/s',
  higherIsBetter: true,
  read: (m) => numberOf(m.extra?.consumeRecordsPerSec),
};
const P99: Metric = { name: 'p99 ms', higherIsBetter: false, read: (m) => m.latency?.p99 };

/** Which numbers compare systems in each workload. */
const METRICS: Record<Measurement['workload'], Metric[]> = {
  W1: [RECORDS_PER_SEC],
  W2: [RECORDS_PER_SEC, CONSUME_PER_SEC],
  W3: [RECORDS_PER_SEC],
  W4: [P99],
  W5: [RECORDS_PER_SEC],
};

/** Fjord / peer for every configuration both measured successfully. */
export function computeRatios(measurements: readonly Measurement[]): Ratio[] {
  const ok = measurements.filter((m) => m.status === 'ok');
  const ratios: Ratio[] = [];
  for (const fjord of ok.filter((m) => m.system === 'fjord')) {
    const peers = ok.filter(
      (m) =>
        m.system !== 'fjord' &&
        m.workload === fjord.workload &&
        m.recordSize === fjord.recordSize &&
        m.variant === fjord.variant,
    );
    for (const peer of peers) {
      for (const metric of METRICS[fjord.workload]) {
        const a = metric.read(fjord);
        const b = metric.read(peer);
        if (a === undefined || b === undefined || b <= 0) continue;
        ratios.push({
          workload: fjord.workload,
          recordSize: fjord.recordSize,
          variant: fjord.variant,
          metric: metric.name,
          higherIsBetter: metric.higherIsBetter,
          peer: peer.system,
          fjord: a,
          peerValue: b,
          ratio: Math.round((a / b) * 100) / 100,
        });
      }
    }
  }
  return ratios;
}

export function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
