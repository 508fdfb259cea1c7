import { describe, expect, it } from 'vitest';
import { CLIENT_PROCESS, cpuBudget } from './cpu-budget.js';
import type { ProcessStats } from './proc-sampler.js';

function stats(name: string, cpuSeconds: number): ProcessStats {
  return { name, pid: 1, cpuSeconds, cpuPercent: 0, peakRssMiB: 0, peakRssAnonMiB: 0, hwmMiB: 0 };
}

describe('CPU budget', () => {
  it('sums every server process and keeps the harness apart, per record and per MiB', () => {
    const processes = [
      stats('fjord-coordinator', 0.1),
      stats('fjord-broker-1', 1.9),
      stats(CLIENT_PROCESS, 3),
    ];
    // 1,048,576 records of 100 bytes = 100 MiB.
    expect(cpuBudget(processes, 1_048_576, 100)).toEqual({
      serverUsPerRecord: 1.91,
      clientUsPerRecord: 2.86,
      serverUsPerMiB: 20_000,
      clientUsPerMiB: 30_000,
    });
  });

  it('has nothing to say about a window without records', () => {
    expect(cpuBudget([stats(CLIENT_PROCESS, 1)], 0, 100)).toBeUndefined();
  });
});
