#!/usr/bin/env node
// `pnpm bench`: runs the OMB-style workloads against a local Fjord cluster (through the SDK and
// through its Kafka listeners), Redis Streams and NATS JetStream, one system at a time (so they
// never compete for the 2 cores), then writes results.json and latency.svg and prints the tables.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { type BenchOptions, parseArgs, USAGE } from './args.js';
import { medianMeasurements } from './report/medians.js';
import { computeRatios } from './report/ratios.js';
import { latencySvg } from './report/svg.js';
import { formatReport } from './report/table.js';
import { checkTargets } from './report/targets.js';
import type { BenchReport, SystemInfo } from './report/types.js';
import { enableClientProfiles } from './stats/client-profiler.js';
import { cleanupAll } from './systems/cleanup.js';
import { DESCRIPTIONS, startSystem } from './systems/start.js';
import type { SystemDriver } from './systems/types.js';
import { runCell } from './workloads/run-cell.js';
import type { Measurement } from './workloads/types.js';

function progress(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function run(options: BenchOptions, argv: string[]): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0] ?? 0;
  if (loadAtStart > cpus().length) {
    progress(
      `warning: load average ${loadAtStart.toFixed(1)} on ${cpus().length} cores: other work will skew the numbers`,
    );
  }
  // Written after every cell, so a long run that is stopped or crashes keeps what it measured.
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const runMeasurements: Measurement[][] = [];
  let systems: SystemInfo[] = [];
  for (let run = 1; run <= options.runs; run++) {
    if (options.runs > 1) progress(`run ${run} of ${options.runs}`);
    const measurements: Measurement[] = [];
    runMeasurements.push(measurements);
    systems = [];
    const runSystems = systems;
    await runSelection(options, measurements, runSystems, () =>
      writeFileSync(
        join(outDir, 'partial.json'),
        `${JSON.stringify({ startedAt, argv, systems: runSystems, measurements: runMeasurements.flat() }, null, 2)}\n`,
      ),
    );
  }
  const measurements =
    options.runs > 1 ? medianMeasurements(runMeasurements) : (runMeasurements[0] as Measurement[]);
  const ratios = computeRatios(measurements);
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: options.profile.mode,
    argv,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      kernel: release(),
      loadAverage: { start: round1(loadAtStart), end: round1(loadavg()[0] ?? 0) },
    },
    systems,
    runs: options.runs,
    measurements,
    ...(options.runs > 1 ? { runMeasurements } : {}),
    ratios,
    targets: checkTargets(measurements, ratios),
  };
}

/**
 * Runs every selected workload and size on every selected system once, one system at a time,
 * appending to `measurements` and `systems` (and calling `savePartial` after every cell).
 */
async function runSelection(
  options: BenchOptions,
  measurements: Measurement[],
  systems: SystemInfo[],
  savePartial: () => void,
): Promise<void> {
  for (const name of options.peers) {
    progress(`starting ${name}`);
    let driver: SystemDriver;
    try {
      driver = await startSystem(
        name,
        { brokers: options.fjordBrokers, cpuProfDir: options.cpuProfDir },
        progress,
      );
    } catch (error) {
      const reason = `could not start: ${(error as Error).message.split('\n')[0]}`;
      progress(`${name} ${reason}`);
      systems.push({ name, ...DESCRIPTIONS[name], status: reason });
      for (const workload of options.workloads) {
        for (const recordSize of options.sizes) {
          measurements.push({ workload, system: name, recordSize, variant: '-', status: 'error', reason });
        }
      }
      continue;
    }
    systems.push({ name, durability: driver.durability, client: driver.clientNote, status: 'ok' });
    try {
      for (const workload of options.workloads) {
        for (const recordSize of options.sizes) {
          progress(`${workload} ${name} ${recordSize} B`);
          const results = await runCell(workload, driver, options.profile, recordSize, progress);
          for (const m of results) progress(`  ${summary(m)}`);
          measurements.push(...results);
          savePartial();
        }
      }
    } finally {
      progress(`stopping ${name}`);
      await driver.stop();
    }
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function summary(m: Measurement): string {
  if (m.status !== 'ok') return `${m.variant}: ${m.status}: ${m.reason}`;
  const p99 = m.latency ? `, p99 ${m.latency.p99} ms` : '';
  return `${m.variant}: ${m.recordsPerSec?.toLocaleString('en-US')} rec/s, ${m.mibPerSec} MiB/s${p99}`;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let options: BenchOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (options.cpuProfDir) enableClientProfiles(resolve(options.cpuProfDir));
  const stop = (signal: NodeJS.Signals): void => {
    progress(`${signal}: stopping every server`);
    // Clients of servers being stopped fail (e.g. ioredis "Connection is closed"); none of
    // that may kill the process before every server is stopped and its temp dir removed.
    process.on('uncaughtException', () => {});
    process.on('unhandledRejection', () => {});
    void cleanupAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const report = await run(options, argv);
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(
    join(outDir, 'latency.svg'),
    latencySvg(
      report.measurements,
      `W4 end-to-end latency (${report.mode} run, ${report.startedAt.slice(0, 10)})`,
    ),
  );
  console.log(formatReport(report));
  console.log(`\nResults: ${join(outDir, 'results.json')}\nChart:   ${join(outDir, 'latency.svg')}`);
  // Skipped cells (a feature not there yet) are fine; an error means the harness or a system broke.
  const every = report.runMeasurements?.flat() ?? report.measurements;
  return every.some((m) => m.status === 'error') ? 1 : 0;
}

main()
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanupAll();
    process.exit(1);
  });
