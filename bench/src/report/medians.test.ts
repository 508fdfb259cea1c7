import { describe, expect, it } from 'vitest';
import type { Measurement } from '../workloads/types.js';
import { median, medianMeasurements } from './medians.js';

function w1(recordsPerSec: number, p99: number, serverUsPerRecord: number): Measurement {
  return {
    workload: 'W1',
    system: 'fjord',
    recordSize: 100,
    variant: '1p',
    status: 'ok',
    recordsPerSec,
    mibPerSec: recordsPerSec / 10_000,
    latency: { kind: 'publish', count: 10, p50: p99 / 2, p99, p999: p99 * 2, max: p99 * 3 },
    processes: [
      {
        name: `run-${recordsPerSec}`,
        pid: 1,
        cpuSeconds: 1,
        cpuPercent: 50,
        peakRssMiB: 1,
        peakRssAnonMiB: 1,
        hwmMiB: 1,
      },
    ],
    cpu: { serverUsPerRecord, clientUsPerRecord: 1, serverUsPerMiB: 10, clientUsPerMiB: 20 },
    extra: { sendsInFlight: 4, note: 'x' },
  };
}

describe('medians of several runs', () => {
  it('takes every number of a cell as its median over the runs, independently', () => {
    const [cell] = medianMeasurements([[w1(300, 5, 3)], [w1(100, 9, 1)], [w1(200, 1, 2)]]);
    expect(cell).toMatchObject({
      recordsPerSec: 200,
      mibPerSec: 0.02,
      latency: { p50: 2.5, p99: 5, p999: 10, max: 15 },
      cpu: { serverUsPerRecord: 2 },
      runRecordsPerSec: [300, 100, 200],
      extra: { sendsInFlight: 4, note: 'x' },
    });
    // Process samples come from the run with the median records/s, whole.
    expect(cell?.processes?.[0]?.name).toBe('run-200');
    expect(cell?.extra).not.toHaveProperty('okRuns');
  });

  it('leaves failed runs out of the medians and says how many succeeded', () => {
    const failed: Measurement = { ...w1(0, 0, 0), status: 'error', reason: 'boom' };
    const [cell] = medianMeasurements([[w1(100, 4, 1)], [failed], [w1(300, 8, 3)]]);
    expect(cell).toMatchObject({ status: 'ok', recordsPerSec: 200, extra: { okRuns: '2/3' } });
    expect(cell?.latency?.p99).toBe(6);
  });

  it('keeps the first failure of a cell that failed in every run', () => {
    const first: Measurement = { ...w1(0, 0, 0), status: 'error', reason: 'first' };
    const second: Measurement = { ...w1(0, 0, 0), status: 'error', reason: 'second' };
    expect(medianMeasurements([[first], [second]])).toEqual([first]);
  });

  it('keeps cells apart by workload, system, size and variant, in first-seen order', () => {
    const kafka = { ...w1(50, 1, 1), system: 'fjord-kafka' as const };
    const cells = medianMeasurements([
      [w1(10, 1, 1), kafka],
      [kafka, w1(30, 1, 1)],
    ]);
    expect(cells.map((m) => [m.system, m.recordsPerSec])).toEqual([
      ['fjord', 20],
      ['fjord-kafka', 50],
    ]);
  });

  it('median of an even count is the mean of the middle two; undefined values are skipped', () => {
    expect(median([4, undefined, 1, 3, 2])).toBe(2.5);
    expect(median([undefined])).toBeUndefined();
  });
});
