import { resolve } from 'node:path';
import {
  type Cluster,
  type ExitInfo,
  killAllTrackedChildren,
  type LogLevel,
  startCluster,
} from '@fjord/testkit';
import { type Command, Option } from 'commander';
import { DEFAULT_BOOTSTRAP } from '../bootstrap.js';
import { formatLogLine, useColor } from '../dev-log.js';
import { type Io, println } from '../io.js';
import { integerAtLeast, port } from '../parse.js';
import { assertPortsFree } from '../ports.js';
import { UsageError } from '../usage-error.js';

interface DevOptions {
  brokers: number;
  dataDir: string;
  port: number;
  kafkaPort: number;
  logLevel: LogLevel;
}

// How long `fjord dev` waits for each node's graceful stop before it kills it.
const STOP_TIMEOUT_MS = 10_000;
const HOST = '127.0.0.1';
const FORCE_AFTER_MS = 1_000;
// The coordinator listens where client commands look by default, so they need no FJORD_BOOTSTRAP.
const DEFAULT_COORDINATOR_PORT = Number(DEFAULT_BOOTSTRAP.slice(DEFAULT_BOOTSTRAP.lastIndexOf(':') + 1));
// Each node's /metrics and /healthz port is its gRPC port + this (7400 -> 9400, as in docker-compose).
const METRICS_PORT_OFFSET = 2_000;

/** Registers `fjord dev`. */
export function registerDev(program: Command, io: Io): void {
  program
    .command('dev')
    .description('run a local cluster (coordinator and brokers) until Ctrl-C')
    .option('--brokers <n>', 'number of brokers', integerAtLeast(1), 3)
    .option('--data-dir <dir>', 'data directory (coordinator/, broker-<id>/, logs/)', './.fjord')
    .option(
      '--port <port>',
      'coordinator port; broker N listens on port + N; /metrics and /healthz on those + 2000',
      port,
      DEFAULT_COORDINATOR_PORT,
    )
    .option('--kafka-port <port>', "broker N's Kafka-protocol listener is on port + N - 1", port, 9092)
    .addOption(
      new Option('--log-level <level>', 'log level of every node')
        .choices(['trace', 'debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .action(async (opts: DevOptions) => {
      await runDev(opts, io);
    });
}

async function runDev(opts: DevOptions, io: Io): Promise<void> {
  const metricsPort = opts.port + METRICS_PORT_OFFSET;
  if (metricsPort + opts.brokers > 65_535 || opts.kafkaPort + opts.brokers - 1 > 65_535) {
    throw new UsageError(
      `dev: ports ${opts.port}..${opts.port + opts.brokers} and ${metricsPort}..${metricsPort + opts.brokers} ` +
        'do not fit below 65536',
    );
  }
  const dataDir = resolve(opts.dataDir);
  const names = ['coordinator', ...Array.from({ length: opts.brokers }, (_, i) => `broker-${i + 1}`)];
  await assertPortsFree(
    names.flatMap((node, i) => [
      { node, port: opts.port + i },
      { node: `${node} metrics`, port: metricsPort + i },
      ...(i === 0 ? [] : [{ node: `${node} kafka`, port: opts.kafkaPort + i - 1 }]),
    ]),
    HOST,
  );

  const format = {
    color: useColor(io.stdout as { isTTY?: boolean }, io.env),
    nameWidth: Math.max(...names.map((n) => n.length)),
  };
  const show = (node: string, line: string) =>
    println(io.stdout, formatLogLine(node, line, undefined, format));
  let stopping = false;
  let crashed: string | undefined;
  let requestStop: () => void = () => {};
  const stopRequested = new Promise<void>((done) => {
    requestStop = done;
  });

  let firstSignalAt = 0;
  const onSignal = () => {
    // The same Ctrl-C can arrive twice (from the terminal and forwarded by pnpm or `timeout`):
    // only a second signal a moment later means "force".
    if (stopping && Date.now() - firstSignalAt < FORCE_AFTER_MS) return;
    if (stopping) {
      // Second Ctrl-C: the user does not want to wait for a graceful stop.
      println(io.stderr, 'fjord dev: killing all nodes');
      killAllTrackedChildren();
      process.exit(1);
    }
    stopping = true;
    firstSignalAt = Date.now();
    println(io.stderr, `fjord dev: stopping (up to ${STOP_TIMEOUT_MS / 1000} s; Ctrl-C again to force)`);
    requestStop();
  };
  const onExit = (node: string, exit: ExitInfo) => {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    show(node, `exited (${how})`);
    // Without its coordinator a cluster is useless: stop the rest and fail.
    if (!stopping && node === 'coordinator') {
      crashed = `the coordinator exited unexpectedly (${how})`;
      stopping = true;
      requestStop();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let cluster: Cluster | undefined;
  try {
    try {
      cluster = await startCluster({
        brokers: opts.brokers,
        dataDir,
        keepData: true,
        ports: {
          coordinator: opts.port,
          firstBroker: opts.port + 1,
          coordinatorMetrics: metricsPort,
          firstBrokerMetrics: metricsPort + 1,
          firstBrokerKafka: opts.kafkaPort,
        },
        // Sessions and heartbeats as the apps run by default, not the testkit's short ones.
        appDefaultTimings: true,
        stopTimeoutMs: STOP_TIMEOUT_MS,
        logLevel: opts.logLevel,
        onLog: (node, line, event) => println(io.stdout, formatLogLine(node, line, event, format)),
        onExit,
      });
    } catch (error) {
      // A Ctrl-C during startup makes the nodes exit before they are ready: not an error.
      if (stopping && !crashed) return;
      // The nodes' output is already on the terminal: the first line says what failed.
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`dev: ${message.split('\n')[0]}`);
    }
    if (!stopping) {
      println(io.stdout, '');
      println(io.stdout, `fjord dev: cluster ready — bootstrap ${cluster.bootstrap}`);
      println(
        io.stdout,
        `  ${opts.brokers} broker(s) on ports ${opts.port + 1}..${opts.port + opts.brokers}`,
      );
      println(
        io.stdout,
        `  metrics: http://${HOST}:${metricsPort}/metrics (coordinator), ports ` +
          `${metricsPort + 1}..${metricsPort + opts.brokers} (brokers); /healthz on each`,
      );
      println(
        io.stdout,
        `  Kafka clients: bootstrap ${cluster.kafkaBootstrap.join(',')} (kcat, KafkaJS, librdkafka, Java)`,
      );
      println(io.stdout, `  data and logs in ${dataDir}`);
      const env = cluster.bootstrap === DEFAULT_BOOTSTRAP ? '' : `FJORD_BOOTSTRAP=${cluster.bootstrap} `;
      println(io.stdout, `  try: ${env}npx fjord topics create demo --partitions 3`);
      println(io.stdout, '  Ctrl-C to stop');
      println(io.stdout, '');
    }
    await stopRequested;
  } finally {
    await cluster?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (crashed) throw new Error(`dev: ${crashed}; stopped the cluster`);
  println(io.stderr, 'fjord dev: stopped');
}
