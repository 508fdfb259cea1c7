/** LevelDB's totals summed over a system's servers (Fjord's brokers), from their /metrics. */
export interface StorageCounters {
  /** Key and value bytes the brokers wrote to LevelDB. */
  userBytes: number;
  /** Table bytes LevelDB's memtable flushes and compactions wrote (whole MiB per broker). */
  tableWrittenBytes: number;
}

/** What LevelDB wrote during one cell, and how much per byte the brokers gave it. */
export interface StorageDelta {
  userMiB: number;
  tableWrittenMiB: number;
  /** tableWrittenMiB / userMiB; the write-ahead log adds 1. */
  writeAmplification: number;
}

const MIB = 1024 * 1024;
const SCRAPE_TIMEOUT_MS = 5_000;

/** Scrapes every `/metrics` URL and sums the brokers' LevelDB totals. */
export async function scrapeStorageCounters(metricsUrls: readonly string[]): Promise<StorageCounters> {
  const totals: StorageCounters = { userBytes: 0, tableWrittenBytes: 0 };
  for (const url of metricsUrls) {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`${url}/metrics answered ${response.status}`);
    const text = await response.text();
    totals.userBytes += metricValue(text, 'fjord_broker_leveldb_user_bytes');
    totals.tableWrittenBytes += metricValue(text, 'fjord_broker_leveldb_table_written_bytes');
  }
  return totals;
}

/** The change between two scrapes, in MiB. */
export function storageDelta(before: StorageCounters, after: StorageCounters): StorageDelta {
  const userMiB = (after.userBytes - before.userBytes) / MIB;
  const tableWrittenMiB = (after.tableWrittenBytes - before.tableWrittenBytes) / MIB;
  return {
    userMiB: round2(userMiB),
    tableWrittenMiB: round2(tableWrittenMiB),
    writeAmplification: userMiB > 0 ? round2(tableWrittenMiB / userMiB) : 0,
  };
}

function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  if (!match) throw new Error(`/metrics has no ${name} (a broker older than the storage metrics?)`);
  return Number(match[1]);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
