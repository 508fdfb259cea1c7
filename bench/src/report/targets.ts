import type { Measurement } from '../workloads/types.js';
import { numberOf } from './ratios.js';
import type { Ratio, TargetCheck } from './types.js';

const BROKER_RSS_LIMIT_MIB = 512;

/** The issue's targets (2-core machine), checked against this run's numbers. */
export function checkTargets(measurements: readonly Measurement[], ratios: readonly Ratio[]): TargetCheck[] {
  const find = (workload: string, size: number, variant?: string): Measurement | undefined =>
    measurements.find(
      (m) =>
        m.system === 'fjord' &&
        m.workload === workload &&
        m.recordSize === size &&
        (variant === undefined || m.variant === variant),
    );
  const checks: TargetCheck[] = [];

  const w1 = find('W1', 100);
  checks.push(atLeast('W1 100 B: >= 800,000 records/s', w1, w1?.recordsPerSec, 800_000, 'rec/s'));
  for (const peer of ['redis', 'nats'] as const) {
    const r = ratios.find((x) => x.workload === 'W1' && x.recordSize === 100 && x.peer === peer);
    checks.push(
      atLeast(`W1 100 B: >= 1.5 x ${peer} in the same run`, w1 && r ? w1 : undefined, r?.ratio, 1.5, 'x'),
    );
  }

  // A skipped RF=3 run is the only W3 measurement; otherwise the RF=3 one carries the ratio.
  const rf3 = find('W3', 100, 'RF=3 acks=all') ?? find('W3', 100);
  const w3Target = 'W3 100 B: RF=3 acks=all >= 0.5 x RF=1 acks=1';
  checks.push(atLeast(w3Target, rf3, numberOf(rf3?.extra?.ratioToRf1), 0.5, 'x'));

  const w4 = find('W4', 100, '50000 rec/s');
  const p99 = w4?.latency?.p99;
  checks.push(
    w4?.status === 'ok' && p99 !== undefined
      ? {
          target: 'W4 100 B: p99 <= 5 ms at 50k records/s',
          measured: `${p99} ms`,
          status: p99 <= 5 ? 'met' : 'not met',
        }
      : notMeasured('W4 100 B: p99 <= 5 ms at 50k records/s', w4),
  );

  const w5 = find('W5', 100);
  checks.push(
    atLeast('W5 100 B: >= 1,000,000 records/s consumed', w5, w5?.recordsPerSec, 1_000_000, 'rec/s'),
  );

  let peak = 0;
  let peakAnon = 0;
  let seen = false;
  for (const m of measurements) {
    if (m.system !== 'fjord') continue;
    for (const p of m.processes ?? []) {
      if (!p.name.startsWith('fjord-broker')) continue;
      seen = true;
      peak = Math.max(peak, p.peakRssMiB, p.hwmMiB);
      peakAnon = Math.max(peakAnon, p.peakRssAnonMiB ?? 0);
    }
  }
  const rssTarget = `Broker RSS < ${BROKER_RSS_LIMIT_MIB} MiB throughout`;
  checks.push(
    seen
      ? {
          target: rssTarget,
          // File pages (LevelDB's mmapped tables) are part of VmRSS; the anonymous part is
          // what the broker itself holds.
          measured: `${peak} MiB peak VmRSS, ${peakAnon} MiB peak anonymous`,
          status: peak < BROKER_RSS_LIMIT_MIB ? 'met' : 'not met',
        }
      : { target: rssTarget, measured: '-', status: 'not measured' },
  );
  return checks;
}

function atLeast(
  target: string,
  m: Measurement | undefined,
  value: number | undefined,
  limit: number,
  unit: string,
): TargetCheck {
  if (m?.status !== 'ok' || value === undefined) return notMeasured(target, m);
  const shown = unit === 'x' ? `${value} x` : `${value.toLocaleString('en-US')} ${unit}`;
  return { target, measured: shown, status: value >= limit ? 'met' : 'not met' };
}

function notMeasured(target: string, m: Measurement | undefined): TargetCheck {
  const why = m ? `${m.status}${m.reason ? `: ${m.reason}` : ''}` : 'not run';
  return { target, measured: why, status: 'not measured' };
}
