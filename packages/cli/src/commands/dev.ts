import { join, resolve } from 'node:path';
import {
  type Cluster,
  type ExitInfo,
  killAllTrackedChildren,
  type LogLevel,
  startCluster,
} from '@fjord/testkit';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_BOOTSTRAP } from '../bootstrap.js';
import { formatLogLine, useColor } from '../dev-log.js';
import { type Io, println } from '../io.js';
import { integerAtLeast, port } from '../parse.js';
import { assertPortsFree } from '../ports.js';
import { devAdminPassword, writeDevClientConfig } from '../secure-dev/dev-secrets.js';
import { UsageError } from '../usage-error.js';

interface DevOptions {
  coordinators: 1 | 3 | 5;
  brokers: number;
  dataDir: string;
  port: number;
  kafkaPort: number;
  logLevel: LogLevel;
  secure?: boolean;
}

// How long `fjord dev` waits for each node's graceful stop before it kills it.
const STOP_TIMEOUT_MS = 10_000;
const HOST = '127.0.0.1';
const FORCE_AFTER_MS = 1_000;
// The coordinator listens where client commands look by default, so they need no FJORD_BOOTSTRAP.
const DEFAULT_COORDINATOR_PORT = Number(DEFAULT_BOOTSTRAP.slice(DEFAULT_BOOTSTRAP.lastIndexOf(':') + 1));
// Each node's /metrics and /healthz port is its gRPC port + this (7400 -> 9400, as in docker-compose).
const METRICS_PORT_OFFSET = 2_000;
// With --secure, the ports above are the CLIENT (SASL_SSL) listeners users connect to, and each
// node's INTERNAL (mTLS, node to node) listener is on its port + this (7400 -> 10400).
const INTERNAL_PORT_OFFSET = 3_000;
// What the admin user of --secure logs in with (client.json).
const SECURE_ADMIN_USER = 'admin';
const SECURE_MECHANISM = 'scram-sha-512';
/** Coordinators `fjord dev` runs by default: a quorum that survives the loss of one. */
export const DEFAULT_DEV_COORDINATORS = 3;

/** `--coordinators`: 1, 3 or 5 (a quorum needs an odd number of voters). */
function coordinatorCount(value: string): 1 | 3 | 5 {
  if (value === '1' || value === '3' || value === '5') return Number(value) as 1 | 3 | 5;
  throw new InvalidArgumentError('expected 1, 3 or 5.');
}

/** Registers `fjord dev`. */
export function registerDev(program: Command, io: Io): void {
  program
    .command('dev')
    .description('run a local cluster (a coordinator quorum and brokers) until Ctrl-C')
    .option(
      '--coordinators <n>',
      'number of coordinators: 1, or a quorum of 3 or 5',
      coordinatorCount,
      DEFAULT_DEV_COORDINATORS,
    )
    .option('--brokers <n>', 'number of brokers', integerAtLeast(1), 3)
    .option(
      '--data-dir <dir>',
      'data directory (coordinator/ or coordinator-<id>/, broker-<id>/, logs/)',
      './.fjord',
    )
    .option(
      '--port <port>',
      'port of coordinator 1; coordinator N listens on port + N - 1, then broker N on port + coordinators + N - 1; ' +
        '/metrics and /healthz on those + 2000',
      port,
      DEFAULT_COORDINATOR_PORT,
    )
    .option('--kafka-port <port>', "broker N's Kafka-protocol listener is on port + N - 1", port, 9092)
    .option(
      '--secure',
      'TLS, SCRAM and the ACL authorizer: CLIENT listeners (SASL_SSL) on the ports above, INTERNAL (mTLS) on ' +
        `those + ${INTERNAL_PORT_OFFSET}; a development CA in <data-dir>/certs, a super user "admin", and ` +
        '<data-dir>/client.json with the options to connect as it',
    )
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
  const coordinators = opts.coordinators;
  const nodes = coordinators + opts.brokers;
  const firstBroker = opts.port + coordinators;
  const secure = opts.secure === true;
  const internal = secure ? INTERNAL_PORT_OFFSET : 0;
  const highest = Math.max(metricsPort, opts.port + internal) + nodes - 1;
  if (highest > 65_535 || opts.kafkaPort + opts.brokers - 1 > 65_535) {
    throw new UsageError(
      `dev: ports ${opts.port}..${opts.port + nodes - 1}, ${metricsPort}..${metricsPort + nodes - 1}` +
        (secure ? ` and ${opts.port + internal}..${opts.port + internal + nodes - 1}` : '') +
        ' do not fit below 65536',
    );
  }
  const dataDir = resolve(opts.dataDir);
  const coordinatorNames =
    coordinators === 1
      ? ['coordinator']
      : Array.from({ length: coordinators }, (_, i) => `coordinator-${i + 1}`);
  const brokerNames = Array.from({ length: opts.brokers }, (_, i) => `broker-${i + 1}`);
  const names = [...coordinatorNames, ...brokerNames];
  await assertPortsFree(
    names.flatMap((node, i) => [
      { node, port: opts.port + i },
      { node: `${node} metrics`, port: metricsPort + i },
      ...(secure ? [{ node: `${node} internal`, port: opts.port + internal + i }] : []),
      ...(i < coordinators ? [] : [{ node: `${node} kafka`, port: opts.kafkaPort + i - coordinators }]),
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
  const exitedCoordinators = new Set<string>();
  const onExit = (node: string, exit: ExitInfo) => {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    show(node, `exited (${how})`);
    if (stopping || !coordinatorNames.includes(node)) return;
    exitedCoordinators.add(node);
    // Without a majority of its coordinators a cluster is useless: stop the rest and fail.
    if (exitedCoordinators.size > (coordinators - 1) / 2) {
      crashed =
        coordinators === 1
          ? `the coordinator exited unexpectedly (${how})`
          : `${[...exitedCoordinators].join(', ')} exited unexpectedly (the last: ${how}); the quorum has no majority`;
      stopping = true;
      requestStop();
    } else {
      show(
        node,
        `the quorum goes on with ${coordinators - exitedCoordinators.size} of ${coordinators} coordinators`,
      );
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Made once and kept in the data directory: the coordinators store it (--add-scram) while
  // admin has no credential, so a restart on the same data keeps client.json working.
  const adminPassword = secure ? (await devAdminPassword(dataDir)).password : undefined;
  let cluster: Cluster | undefined;
  try {
    try {
      cluster = await startCluster({
        coordinators,
        brokers: opts.brokers,
        dataDir,
        keepData: true,
        ports: {
          coordinator: opts.port + internal,
          firstBroker: firstBroker + internal,
          ...(secure ? { coordinatorClient: opts.port, firstBrokerClient: firstBroker } : {}),
          coordinatorMetrics: metricsPort,
          firstBrokerMetrics: metricsPort + coordinators,
          firstBrokerKafka: opts.kafkaPort,
        },
        ...(adminPassword === undefined ? {} : { secure: { mechanism: SECURE_MECHANISM, adminPassword } }),
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
    let clientConfig: string | undefined;
    if (!stopping && adminPassword !== undefined) {
      clientConfig = await writeDevClientConfig(dataDir, cluster.clientOptions());
    }
    if (!stopping) {
      const bootstrap = (secure ? cluster.clientBootstrap : cluster.bootstrapAddresses).join(',');
      const leader = coordinators === 1 ? undefined : await cluster.leader().catch(() => undefined);
      println(io.stdout, '');
      println(
        io.stdout,
        `fjord dev: cluster ready — bootstrap ${bootstrap}${secure ? ' (TLS, SCRAM, ACLs)' : ''}`,
      );
      if (clientConfig) {
        println(
          io.stdout,
          `  client options: ${clientConfig} (TLS with the dev CA, ${SECURE_MECHANISM} as "${SECURE_ADMIN_USER}", a super user)`,
        );
        println(
          io.stdout,
          `  CLIENT listeners (SASL_SSL) on the ports below; INTERNAL (mTLS, node to node) on those + ${INTERNAL_PORT_OFFSET}; certificates in ${join(dataDir, 'certs')}`,
        );
      }
      println(
        io.stdout,
        coordinators === 1
          ? `  1 coordinator on port ${opts.port}`
          : `  ${coordinators} coordinators on ports ${opts.port}..${firstBroker - 1}` +
              (leader ? ` (leader: ${leader.name})` : ''),
      );
      println(
        io.stdout,
        `  ${opts.brokers} broker(s) on ports ${firstBroker}..${firstBroker + opts.brokers - 1}`,
      );
      println(
        io.stdout,
        `  metrics: http://${HOST}:${metricsPort}/metrics (coordinator${coordinators === 1 ? '' : ' 1'}), ports ` +
          `${metricsPort}..${metricsPort + nodes - 1} (coordinators, then brokers); /healthz on each`,
      );
      println(
        io.stdout,
        `  Kafka clients: bootstrap ${cluster.kafkaBootstrap.join(',')} (kcat, KafkaJS, librdkafka, Java)` +
          (secure ? ' — PLAINTEXT: the authorizer sees User:ANONYMOUS there' : ''),
      );
      println(io.stdout, `  data and logs in ${dataDir}`);
      if (clientConfig) {
        println(
          io.stdout,
          `  try: npx fjord --client-config ${clientConfig} topics create demo --partitions 3`,
        );
      } else {
        // Client commands find coordinator 1 at their default address; elsewhere they need the list.
        const env = cluster.bootstrap === DEFAULT_BOOTSTRAP ? '' : `FJORD_BOOTSTRAP=${bootstrap} `;
        println(io.stdout, `  try: ${env}npx fjord topics create demo --partitions 3`);
      }
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
