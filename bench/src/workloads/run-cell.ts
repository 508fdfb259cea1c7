import type { Profile } from '../config/profile.js';
import { cpuBudget } from '../stats/cpu-budget.js';
import { type StorageDelta, storageDelta } from '../stats/storage-counters.js';
import { type SystemDriver, UnsupportedError } from '../systems/types.js';
import { WORKLOADS } from './registry.js';
import type { Measurement, WorkloadId } from './types.js';

/**
 * Runs one workload against one system at one record size. A configuration the system
 * refuses becomes a 'skipped' measurement, any other failure an 'error' one: one broken cell
 * never stops the rest of the run. Every log the workload created is deleted afterwards.
 */
export async function runCell(
  workload: WorkloadId,
  driver: SystemDriver,
  profile: Profile,
  recordSize: number,
  progress: (line: string) => void,
): Promise<Measurement[]> {
  const logs: string[] = [];
  const tag = Math.random().toString(36).slice(2, 8);
  const ctx = {
    driver,
    profile,
    recordSize,
    progress,
    logName: (id: WorkloadId) => {
      const name = `${id.toLowerCase()}-${recordSize}-${tag}-${logs.length}`;
      logs.push(name);
      return name;
    },
  };
  const base = { workload, system: driver.name, recordSize, variant: WORKLOADS[workload].title };
  try {
    const before = await driver.storageCounters?.();
    const measurements = await WORKLOADS[workload].run(ctx);
    const after = await driver.storageCounters?.();
    const storage = before && after ? storageDelta(before, after) : undefined;
    return measurements.map((m) => withBudgets(m, storage));
  } catch (error) {
    if (error instanceof UnsupportedError) return [{ ...base, status: 'skipped', reason: error.message }];
    const reason = error instanceof Error ? error.message : String(error);
    return [{ ...base, status: 'error', reason: reason.split('\n')[0] }];
  } finally {
    for (const log of logs) await driver.deleteLog(log).catch(() => undefined);
  }
}

/** Adds the CPU budget (from the measured window) and the cell's storage numbers to `m`. */
function withBudgets(m: Measurement, storage: StorageDelta | undefined): Measurement {
  if (m.status !== 'ok') return m;
  const cpu = m.processes && m.records ? cpuBudget(m.processes, m.records, m.recordSize) : undefined;
  return { ...m, ...(cpu ? { cpu } : {}), ...(storage ? { storage } : {}) };
}
