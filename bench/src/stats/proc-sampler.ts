import { readFileSync } from 'node:fs';

/** A server process whose CPU and memory the harness samples. */
export interface ServerProcess {
  /** e.g. `fjord-broker-1`, `redis-server`. */
  name: string;
  pid: number;
}

/** CPU and memory of one process over one measurement window. */
export interface ProcessStats {
  name: string;
  pid: number;
  /** User + system CPU seconds spent inside the window. */
  cpuSeconds: number;
  /** cpuSeconds / window seconds, in % of one core (200% = both cores of a 2-core machine). */
  cpuPercent: number;
  /** Highest resident set size seen by the sampler inside the window, MiB. */
  peakRssMiB: number;
  /**
   * Highest anonymous resident memory (RssAnon: heap, native allocations) seen inside the
   * window, MiB. VmRSS also counts file pages the process maps: LevelDB mmaps its table
   * files, so a broker's VmRSS includes cached data files the kernel can drop at any time.
   */
  peakRssAnonMiB: number;
  /** VmHWM at the end of the window: the kernel's peak RSS over the process's whole life, MiB. */
  hwmMiB: number;
}

interface Snapshot {
  cpuTicks: number;
  rssKiB: number;
  rssAnonKiB: number;
  hwmKiB: number;
}

// USER_HZ is 100 on every Linux the harness targets (`getconf CLK_TCK`); /proc/<pid>/stat
// counts CPU time in these ticks.
const TICKS_PER_SECOND = 100;
const SAMPLE_INTERVAL_MS = 200;

/**
 * Samples /proc/<pid>/stat (utime + stime) and /proc/<pid>/status (VmRSS, RssAnon, VmHWM) of a set of
 * processes while a workload runs. RSS is sampled because VmHWM only says the peak since the
 * process started, not the peak inside one workload.
 */
export class ProcSampler {
  readonly #processes: ServerProcess[];
  readonly #first = new Map<number, Snapshot>();
  readonly #peakRss = new Map<number, number>();
  readonly #peakRssAnon = new Map<number, number>();
  readonly #startedAt = performance.now();
  readonly #timer: NodeJS.Timeout;

  private constructor(processes: ServerProcess[]) {
    this.#processes = processes;
    for (const p of processes) {
      const snap = readSnapshot(p.pid);
      if (snap) {
        this.#first.set(p.pid, snap);
        this.#peakRss.set(p.pid, snap.rssKiB);
        this.#peakRssAnon.set(p.pid, snap.rssAnonKiB);
      }
    }
    this.#timer = setInterval(() => this.#sample(), SAMPLE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Starts sampling these processes (the harness's own process is added by the caller). */
  static start(processes: ServerProcess[]): ProcSampler {
    return new ProcSampler(processes);
  }

  /** Stops sampling and returns each process's numbers over the window. */
  stop(): ProcessStats[] {
    clearInterval(this.#timer);
    this.#sample();
    const seconds = Math.max(1e-3, (performance.now() - this.#startedAt) / 1000);
    return this.#processes.map((p) => {
      const first = this.#first.get(p.pid);
      const last = readSnapshot(p.pid);
      const cpuSeconds = first && last ? (last.cpuTicks - first.cpuTicks) / TICKS_PER_SECOND : 0;
      return {
        name: p.name,
        pid: p.pid,
        cpuSeconds: round(cpuSeconds, 2),
        cpuPercent: round((100 * cpuSeconds) / seconds, 1),
        peakRssMiB: round((this.#peakRss.get(p.pid) ?? 0) / 1024, 1),
        peakRssAnonMiB: round((this.#peakRssAnon.get(p.pid) ?? 0) / 1024, 1),
        hwmMiB: round((last?.hwmKiB ?? 0) / 1024, 1),
      };
    });
  }

  #sample(): void {
    for (const p of this.#processes) {
      const snap = readSnapshot(p.pid);
      if (!snap) continue;
      if (snap.rssKiB > (this.#peakRss.get(p.pid) ?? 0)) this.#peakRss.set(p.pid, snap.rssKiB);
      if (snap.rssAnonKiB > (this.#peakRssAnon.get(p.pid) ?? 0))
        this.#peakRssAnon.set(p.pid, snap.rssAnonKiB);
    }
  }
}

/** utime+stime ticks, VmRSS and VmHWM of a process; undefined once it is gone. */
export function readSnapshot(pid: number): Snapshot | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after it start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime fields[12].
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      cpuTicks,
      rssKiB: statusKiB(status, 'VmRSS'),
      rssAnonKiB: statusKiB(status, 'RssAnon'),
      hwmKiB: statusKiB(status, 'VmHWM'),
    };
  } catch {
    return undefined;
  }
}

function statusKiB(status: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
