import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { range } from './helpers.js';
import { missingTool } from './required-tool.js';

// What the compose tests (compose-*.test.ts) share: running podman and docker-compose, ports
// for the published listeners, the health-check pump podman needs without systemd, the
// /healthz wait, and one image and one cluster at a time on this machine.

/** The repository root (the compose files and the Dockerfile). */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** Where .ci/podman-setup.sh puts podman's API socket when DOCKER_HOST is not set. */
export const DEFAULT_SOCKET = '/tmp/fjord-containers/podman.sock';
const SETUP = 'source .ci/podman-setup.sh (as root; .ci/run does)';

/** Why the compose tests cannot run here (a tool missing), or undefined. */
export const missingComposeTool: string | undefined =
  missingTool('podman', SETUP) ??
  missingTool('docker-compose', 'apt-get install docker-compose') ??
  missingTool('kcat', 'apt-get install kcat');

/** What a finished command printed. */
export interface Run {
  stdout: string;
  stderr: string;
}

/** Runs `command` in the repository; rejects with its stderr when it fails or runs past `timeoutMs`. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: REPO, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`))
          : resolve({ stdout, stderr }),
    );
  });
}

/** podman's Docker-compatible API socket, as docker-compose's DOCKER_HOST; throws naming the setup when absent. */
export function containerSocket(): string {
  const socket =
    process.env.DOCKER_HOST ?? (existsSync(DEFAULT_SOCKET) ? `unix://${DEFAULT_SOCKET}` : undefined);
  if (socket === undefined) {
    throw new Error(
      `no container API socket: DOCKER_HOST is not set and ${DEFAULT_SOCKET} does not exist (${SETUP})`,
    );
  }
  return socket;
}

/** Ports free on 127.0.0.1 right now, each different (bound together, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    range(0, count).map(
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** The published ports of the compose cluster, picked at test time, and the variables that set them. */
export interface ComposePorts {
  /** `coordinator-N`, `broker-N` (gRPC EXTERNAL) and `broker-N-kafka`. */
  readonly ports: Record<string, number>;
  /** `coordinator-N`, `broker-N`: the metrics and /healthz port. */
  readonly metricsPorts: Record<string, number>;
  /** `FJORD_COORDINATOR_1_PORT`, ...: what docker-compose substitutes in the files. */
  readonly env: Record<string, string>;
}

/** Free host ports for every published port of the three coordinators and three brokers. */
export async function composePorts(): Promise<ComposePorts> {
  const picked = await freePorts(15);
  const ports: Record<string, number> = {};
  const metricsPorts: Record<string, number> = {};
  const env: Record<string, string> = {};
  for (const id of [1, 2, 3]) {
    const [grpc, metrics] = picked.slice((id - 1) * 2, id * 2) as [number, number];
    ports[`coordinator-${id}`] = grpc;
    metricsPorts[`coordinator-${id}`] = metrics;
    env[`FJORD_COORDINATOR_${id}_PORT`] = String(grpc);
    env[`FJORD_COORDINATOR_${id}_METRICS_PORT`] = String(metrics);
  }
  for (const id of [1, 2, 3]) {
    const [grpc, kafka, metrics] = picked.slice(6 + (id - 1) * 3, 6 + id * 3) as [number, number, number];
    ports[`broker-${id}`] = grpc;
    ports[`broker-${id}-kafka`] = kafka;
    metricsPorts[`broker-${id}`] = metrics;
    env[`FJORD_BROKER_${id}_PORT`] = String(grpc);
    env[`FJORD_BROKER_${id}_KAFKA_PORT`] = String(kafka);
    env[`FJORD_BROKER_${id}_METRICS_PORT`] = String(metrics);
  }
  return { ports, metricsPorts, env };
}

/**
 * Runs the containers' health checks of one compose project every second: podman runs them
 * from systemd timers, which the CI machine does not have, and `up` waits for the
 * coordinators' before it starts the brokers.
 */
export class HealthPump {
  #stopped = false;
  readonly #project: string;
  readonly #loop: Promise<void>;

  constructor(project: string) {
    this.#project = project;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const listed = await run('podman', [
        'ps',
        '--filter',
        `label=com.docker.compose.project=${this.#project}`,
        '--format',
        '{{.Names}}',
      ]).catch(() => ({ stdout: '' }));
      const names = listed.stdout.split('\n').filter((name) => name !== '');
      await Promise.all(
        names.map((name) => run('podman', ['healthcheck', 'run', name], {}, 10_000).catch(() => undefined)),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }
}

/**
 * Resolves once each service's /healthz, on its published metrics port, answers 200 (a broker:
 * registered with the coordinator); what the health check asks, without waiting for the pump.
 */
export async function waitServing(
  metricsPorts: Record<string, number>,
  services: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const answers: Record<string, string> = {};
  const serving = async (service: string) => {
    try {
      const response = await fetch(`http://127.0.0.1:${metricsPorts[service]}/healthz`, {
        signal: AbortSignal.timeout(2_000),
      });
      answers[service] = String(response.status);
      return response.status === 200;
    } catch (error) {
      answers[service] = error instanceof Error ? error.message : String(error);
      return false;
    }
  };
  while (!(await Promise.all(services.map(serving))).every(Boolean)) {
    if (Date.now() > deadline) {
      throw new Error(`not serving after ${timeoutMs} ms: ${JSON.stringify(answers)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * How long a compose test waits for the other one to finish: its image build (8 minutes on
 * the loaded CI machine, uncached) and its run (up to 6 minutes), with room to spare.
 */
export const COMPOSE_SLOT_WAIT_MS = 1_500_000;
/** A compose test's whole set-up: the wait above, its own (cached) build, `up` and serving. */
export const COMPOSE_SETUP_TIMEOUT_MS = COMPOSE_SLOT_WAIT_MS + 900_000;

/**
 * Waits until this process is the only compose test of this repository running a cluster, and
 * holds that until `release()`. The lock is an abstract Unix socket bound by the holder, so the
 * kernel frees it when the holder dies, however it dies. One at a time because two clusters of
 * six containers each, plus the image build, are more than the 2-core machine carries beside
 * the other tests (the compose-cluster test's failover is timed); it also makes the second
 * test's image build a reuse of the first's layers instead of a second build.
 */
export async function holdComposeSlot(timeoutMs: number): Promise<{ release(): Promise<void> }> {
  const name = `\0fjord-compose-slot-${createHash('sha256').update(REPO).digest('hex').slice(0, 16)}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const server = await new Promise<Server | undefined>((resolve, reject) => {
      const candidate = createServer();
      candidate.once('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error),
      );
      candidate.listen(name, () => resolve(candidate));
    });
    if (server) {
      server.unref();
      return { release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    }
    if (Date.now() > deadline) throw new Error(`another compose test held the slot for ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/**
 * Builds the repository's image as `tag`. Every compose test builds the same context, so
 * after the first build (under {@link holdComposeSlot}) every layer is podman's cached one and
 * this costs seconds.
 */
export async function buildImage(tag: string): Promise<void> {
  await run('podman', ['build', '-t', tag, join(REPO)], {}, 600_000);
}
