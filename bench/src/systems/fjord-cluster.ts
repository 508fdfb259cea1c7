import { resolve } from 'node:path';
import { type Cluster, startCluster } from '@fjord/testkit';
import { onCleanup } from './cleanup.js';

/** Options of the Fjord cluster the harness starts. */
export interface FjordDriverOptions {
  brokers: number;
  /** When set, every Fjord node writes a V8 CPU profile (.cpuprofile) here when it exits. */
  cpuProfDir?: string;
}

/** A started cluster and the hook that takes it off the Ctrl-C cleanup list. */
export interface StartedFjordCluster {
  cluster: Cluster;
  unregister: () => void;
}

/**
 * Starts a local Fjord cluster (coordinator and brokers as child processes, through
 * @fjord/testkit), registered for cleanup on Ctrl-C; `kafka` gives every broker a Kafka
 * listener on an ephemeral port. Both Fjord systems (the SDK path and the Kafka path) start
 * their cluster here, so they run the same servers with the same settings.
 */
export async function startFjordCluster(
  options: FjordDriverOptions,
  { kafka }: { kafka: boolean },
): Promise<StartedFjordCluster> {
  // The testkit passes our environment to the nodes. Node 20 refuses --cpu-prof in
  // NODE_OPTIONS, so a preload module runs the profiler instead (see cpu-prof-preload.ts).
  // Restored at once: only the spawns need it.
  const saved = { options: process.env.NODE_OPTIONS, dir: process.env.FJORD_BENCH_CPU_PROF_DIR };
  if (options.cpuProfDir) {
    const preload = new URL('../cpu-prof-preload.js', import.meta.url).href;
    process.env.NODE_OPTIONS = `${saved.options ?? ''} --import ${preload}`.trim();
    process.env.FJORD_BENCH_CPU_PROF_DIR = resolve(options.cpuProfDir);
  }
  let cluster: Cluster;
  try {
    // Level info: the testkit waits for the nodes' 'listening' and 'registered' info lines.
    cluster = await startCluster({ brokers: options.brokers, kafka });
  } finally {
    restoreEnv('NODE_OPTIONS', saved.options);
    restoreEnv('FJORD_BENCH_CPU_PROF_DIR', saved.dir);
  }
  const unregister = onCleanup(() => cluster.stop());
  return { cluster, unregister };
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
