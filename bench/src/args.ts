import { type Mode, PROFILES, type Profile } from './config/profile.js';
import { SYSTEM_NAMES, type SystemName } from './systems/types.js';
import { WORKLOAD_IDS, type WorkloadId } from './workloads/types.js';

/** What one `pnpm bench` run does. */
export interface BenchOptions {
  profile: Profile;
  workloads: WorkloadId[];
  sizes: number[];
  peers: SystemName[];
  outDir: string;
  /** Brokers of the Fjord cluster (3: enough for RF=3 once replication lands). */
  fjordBrokers: number;
  /** When set, Fjord's nodes write CPU profiles (node --cpu-prof) to this folder. */
  cpuProfDir?: string;
  /** Times the whole selection runs; the report holds per-cell medians when above 1. */
  runs: number;
}

export const USAGE = `usage: pnpm bench [--quick | --tiny] [--workloads W1,W4] [--sizes 100,1024]
                  [--peers fjord,fjord-kafka,redis,nats] [--out DIR] [--fjord-brokers N] [--cpu-prof DIR]
                  [--inflight N] [--batch-bytes N] [--runs N]

  (default)      full run: the numbers for docs/PERFORMANCE.md (tens of minutes)
  --quick        every workload, peer and size in under 3 minutes
  --tiny         seconds-long configuration for the CI smoke test
  --workloads    subset of W1,W2,W3,W4,W5 (default: all)
  --sizes        record sizes in bytes, each >= 8 (default: 100,1024)
  --peers        systems to run (default: fjord,fjord-kafka,redis,nats; fjord-kafka is
                 Fjord through its Kafka listeners, driven by @platformatic/kafka)
  --out          folder for results.json and latency.svg (default: bench-results)
  --fjord-brokers  brokers in the Fjord cluster (default 3)
  --inflight     sends in flight per producer in W1-W3 (default 4)
  --batch-bytes  bytes of record values per send (default 131072)
  --runs         run the whole selection N times (every system restarted each time) and
                 report each cell's medians (default 1; docs/PERFORMANCE.md keeps medians of 3)
  --cpu-prof     write V8 CPU profiles to DIR: Fjord's nodes (whole life) and the harness
                 process (each measured window); read them with bench/dist/profile-summary.js`;

/** Parses argv; throws an Error naming every problem. */
export function parseArgs(argv: readonly string[]): BenchOptions {
  const problems: string[] = [];
  let mode: Mode = 'full';
  let workloads = [...WORKLOAD_IDS];
  let sizes = [100, 1024];
  let peers = [...SYSTEM_NAMES];
  let outDir = 'bench-results';
  let fjordBrokers = 3;
  let cpuProfDir: string | undefined;
  let inflight: number | undefined;
  let batchBytes: number | undefined;
  let runs = 1;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) problems.push(`${flag} needs a value`);
    return v ?? '';
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    switch (flag) {
      case '--quick':
      case '--tiny':
        mode = flag === '--quick' ? 'quick' : 'tiny';
        break;
      case '--full':
        mode = 'full';
        break;
      case '--workloads':
        workloads = list(value(i++, flag)).map((w) => w.toUpperCase()) as WorkloadId[];
        for (const w of workloads) if (!WORKLOAD_IDS.includes(w)) problems.push(`unknown workload ${w}`);
        break;
      case '--sizes':
        sizes = list(value(i++, flag)).map(Number);
        for (const s of sizes)
          if (!Number.isInteger(s) || s < 8) problems.push(`bad size ${s} (integer >= 8)`);
        break;
      case '--peers':
        peers = list(value(i++, flag)) as SystemName[];
        for (const p of peers) if (!SYSTEM_NAMES.includes(p)) problems.push(`unknown peer ${p}`);
        break;
      case '--out':
        outDir = value(i++, flag);
        break;
      case '--fjord-brokers':
        fjordBrokers = Number(value(i++, flag));
        if (!Number.isInteger(fjordBrokers) || fjordBrokers < 1)
          problems.push('--fjord-brokers must be >= 1');
        break;
      case '--inflight':
        inflight = Number(value(i++, flag));
        if (!Number.isInteger(inflight) || inflight < 1) problems.push('--inflight must be >= 1');
        break;
      case '--batch-bytes':
        batchBytes = Number(value(i++, flag));
        if (!Number.isInteger(batchBytes) || batchBytes < 1) problems.push('--batch-bytes must be >= 1');
        break;
      case '--runs':
        runs = Number(value(i++, flag));
        if (!Number.isInteger(runs) || runs < 1) problems.push('--runs must be an integer >= 1');
        break;
      case '--cpu-prof':
        cpuProfDir = value(i++, flag);
        break;
      case '--':
        break;
      default:
        problems.push(`unknown argument ${flag}`);
    }
  }
  if (problems.length > 0) throw new Error(`${problems.join('; ')}\n${USAGE}`);
  const profile = {
    ...PROFILES[mode],
    ...(inflight ? { inflight } : {}),
    ...(batchBytes ? { batchBytes } : {}),
  };
  return { profile, workloads, sizes, peers, outDir, fjordBrokers, cpuProfDir, runs };
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
