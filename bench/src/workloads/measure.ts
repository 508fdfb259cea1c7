import { profileClient } from '../stats/client-profiler.js';
import { CLIENT_PROCESS } from '../stats/cpu-budget.js';
import { type ProcessStats, ProcSampler } from '../stats/proc-sampler.js';
import type { SystemDriver } from '../systems/types.js';
import { mib } from './payload.js';
import type { Measurement } from './types.js';

/**
 * Runs `fn` while sampling every server process of the system and the harness itself (and
 * profiling the harness when --cpu-prof is on; `label` names that profile).
 */
export async function sampled<T>(
  driver: SystemDriver,
  label: string,
  fn: () => Promise<T>,
): Promise<{ value: T; processes: ProcessStats[] }> {
  const sampler = ProcSampler.start([...driver.processes(), { name: CLIENT_PROCESS, pid: process.pid }]);
  const stopProfile = profileClient(`client-${label}-${driver.name}-${process.pid}-${Date.now()}`);
  try {
    const value = await fn();
    return { value, processes: sampler.stop() };
  } catch (error) {
    sampler.stop();
    throw error;
  } finally {
    stopProfile();
  }
}

/** records/s and MiB/s of `records` records of `bytes` bytes over `seconds`. */
export function rates(
  records: number,
  bytes: number,
  seconds: number,
): Pick<Measurement, 'records' | 'seconds' | 'recordsPerSec' | 'mibPerSec'> {
  const s = Math.max(seconds, 1e-6);
  return {
    records,
    seconds: Math.round(s * 1000) / 1000,
    recordsPerSec: Math.round(records / s),
    mibPerSec: Math.round((mib(bytes) / s) * 100) / 100,
  };
}
