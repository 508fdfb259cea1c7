import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { appEntry } from './app-entries.js';
import { type ClusterDescription, CoordinatorClient, type QuorumDescription } from './coordinator-client.js';
import { freePorts } from './free-ports.js';
import type { LogEvent } from './log-lines.js';
import { waitUntilBrokerLogin } from './login-probe.js';
import { NetworkLinks } from './network-links.js';
import { type ExitInfo, NodeProcess } from './node-process.js';
import { QuorumLinks } from './quorum-links.js';
import {
  CLIENT_LISTENER,
  ClusterSecurity,
  INTERNAL_LISTENER,
  type ScramLogin,
  type SecureClientOptions,
  type SecureClusterOptions,
} from './secure-cluster.js';
import { type AclBindingSpec, type AclFilterSpec, SecurityAdminClient } from './security-admin-client.js';
import { waitFor } from './wait-for.js';

/** Log levels of the apps (`--log-level`). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Number of brokers, ids 1..n (default 3). */
  brokers?: number;
  /**
   * Number of coordinators (default 1). With 3 or 5 they form a quorum: ids 1..n, started
   * with `--node-id` and `--voters` on ports picked before the start (ephemeral unless
   * `ports.coordinator` is set), and the cluster is ready once they elected a leader.
   */
  coordinators?: 1 | 3 | 5;
  /** Broker session timeout given to the coordinator (default 3 000 ms: fast fencing in tests). */
  sessionTimeoutMs?: number;
  /** Broker heartbeat interval given to the coordinator (default 500 ms). */
  heartbeatIntervalMs?: number;
  /**
   * Give the coordinator no session timeout or heartbeat interval, so that its own defaults
   * apply (`fjord dev` runs a cluster as the apps run by default); `sessionTimeoutMs` and
   * `heartbeatIntervalMs` are then ignored.
   */
  appDefaultTimings?: boolean;
  /** Extra coordinator flags, appended after the testkit's. */
  coordinatorArgs?: string[];
  /** Extra broker flags, the same for all brokers or per broker id. */
  brokerArgs?: string[] | ((brokerId: number) => string[]);
  /** Cluster directory; default a fresh `mkdtemp` under the OS temp dir. */
  dataDir?: string;
  /**
   * Keep the cluster directory on stop. A directory the testkit created is removed by
   * default (set FJORD_TESTKIT_KEEP_DATA=1 to keep it for a post-mortem); a `dataDir`
   * passed in is never removed.
   */
  keepData?: boolean;
  /**
   * Fixed ports; default 0 = ephemeral. Broker `id` gets `firstBroker + id - 1`, and
   * `firstBrokerMetrics + id - 1` for its /metrics and /healthz server.
   */
  ports?: {
    /** The first coordinator's port; coordinator `id` gets `coordinator + id - 1`. */
    coordinator: number;
    firstBroker?: number;
    /** The first coordinator's /metrics port; coordinator `id` gets `coordinatorMetrics + id - 1`. */
    coordinatorMetrics?: number;
    firstBrokerMetrics?: number;
    /** Broker `id`'s Kafka listener gets `firstBrokerKafka + id - 1` (implies `kafka`). */
    firstBrokerKafka?: number;
    /**
     * A secure cluster's CLIENT listeners (ephemeral by default): coordinator `id` gets
     * `coordinatorClient + id - 1`. `coordinator` and `firstBroker` are the INTERNAL ports.
     */
    coordinatorClient?: number;
    /** A secure cluster's CLIENT listener of broker `id`: `firstBrokerClient + id - 1`. */
    firstBrokerClient?: number;
  };
  /** Give every broker a Kafka-protocol listener on an ephemeral port (default false). */
  kafka?: boolean;
  /** `--log-level` of every node (default info). */
  logLevel?: LogLevel;
  /** Folder of the per-node log files (default `<dataDir>/logs`); `null` = no files. */
  logDir?: string | null;
  /** Called for every output line of every node (e.g. to stream it to a terminal). */
  onLog?: (node: string, line: string, event: LogEvent | undefined) => void;
  /** Called whenever a node's process exits (a crash as well as a stop). */
  onExit?: (node: string, exit: ExitInfo) => void;
  /**
   * Bound on each node's start (default 30 000 ms; brokers add the session timeout the
   * testkit set, none with `appDefaultTimings`).
   */
  startTimeoutMs?: number;
  /** Bound on each node's graceful stop before SIGKILL (default 10 000 ms). */
  stopTimeoutMs?: number;
  /**
   * Route traffic through TCP proxies so that tests can cut links. With one coordinator
   * ({@link Cluster.links}): one proxy in front of each broker (its advertised port) and one
   * on each broker's way to the coordinator; clients still bootstrap from the coordinator
   * directly. With a quorum ({@link Cluster.quorumLinks}): one proxy in front of each
   * coordinator, which is its address in `--voters`, so voters, brokers and clients (from
   * {@link Cluster.bootstrapAddresses}) all reach it through there. Default false.
   */
  networkFaults?: boolean;
  /**
   * A secure cluster (issue #13's contract; see {@link ClusterSecurity}): development
   * certificates in `<dataDir>/certs`, INTERNAL (mTLS) and CLIENT (SASL_SSL) listeners on every
   * node, the standard authorizer, and a super user `admin` with a random password. Clients
   * connect with {@link Cluster.clientOptions}. Not with `networkFaults`; a Kafka listener
   * (`kafka`) stays the PLAINTEXT shorthand, where the authorizer sees `User:ANONYMOUS`.
   */
  secure?: boolean | SecureClusterOptions;
  /**
   * PLAINTEXT INTERNAL and CLIENT listeners on every node, the layout of a secure cluster
   * without TLS or SASL: INTERNAL first (node to node, `--voters`, `--coordinator`), CLIENT for
   * users ({@link NodeProcess.listenerAddress}). Implied by `secure`; not with `networkFaults`.
   * Default false.
   */
  clientListeners?: boolean;
}

/** Options of {@link Cluster.waitForBrokers}. */
export interface WaitForBrokersOptions {
  /** Broker ids that must be registered and alive. */
  alive?: number[];
  /** Broker ids that must be known to the coordinator and fenced (alive = false). */
  fenced?: number[];
  /** Default 30 000 ms. */
  timeoutMs?: number;
}

const DEFAULT_SESSION_TIMEOUT_MS = 3_000;
const DEFAULT_HEARTBEAT_INTERVAL_MS = 500;

/**
 * A running cluster: one coordinator (or a quorum of 3 or 5) and brokers as child processes,
 * bound to 127.0.0.1. Create it with {@link startCluster}; always `await cluster.stop()`
 * (e.g. in afterAll).
 */
export class Cluster {
  /**
   * The cluster directory (node data under `coordinator/` — `coordinator-<id>/` for a quorum —
   * and `broker-<id>/`; logs under `logs/`).
   */
  readonly dataDir: string;
  /** The coordinator; with a quorum, coordinator 1 (not necessarily the leader, see {@link leader}). */
  readonly coordinator: NodeProcess;
  /** Every coordinator, in id order (one without a quorum). */
  readonly coordinators: readonly NodeProcess[];
  /** The proxied network, with `networkFaults: true` and one coordinator; undefined otherwise. */
  readonly links: NetworkLinks | undefined;
  /** Certificates, the admin login and the node settings of a secure cluster; undefined otherwise. */
  readonly security: ClusterSecurity | undefined;
  /** The proxies in front of the coordinators, with `networkFaults: true` and a quorum. */
  readonly quorumLinks: QuorumLinks | undefined;
  readonly #brokers = new Map<number, NodeProcess>();
  readonly #options: ClusterOptions;
  readonly #removeDir: boolean;
  #client: CoordinatorClient | undefined;
  #securityAdmin: SecurityAdminClient | undefined;
  #stopping: Promise<void> | undefined;

  /** @internal use {@link startCluster}. */
  constructor(
    options: ClusterOptions,
    dataDir: string,
    removeDir: boolean,
    coordinators: NodeProcess[],
    security?: ClusterSecurity,
    quorumLinks?: QuorumLinks,
  ) {
    this.#options = options;
    this.security = security;
    this.quorumLinks = quorumLinks;
    this.dataDir = dataDir;
    this.#removeDir = removeDir;
    const coordinator = coordinators[0] as NodeProcess;
    this.coordinator = coordinator;
    this.coordinators = coordinators;
    this.links =
      options.networkFaults && !quorumLinks
        ? new NetworkLinks(coordinator.port, () => {
            const nodes = [coordinator, ...this.#brokers.values()];
            return new Map(nodes.filter((node) => node.running).map((node) => [node.pid, node.name]));
          })
        : undefined;
  }

  /**
   * The first coordinator's address, `127.0.0.1:<port>`: enough to bootstrap from (a client
   * learns the other voters from it) while that coordinator runs.
   */
  get bootstrap(): string {
    return this.coordinator.address;
  }

  /**
   * Every coordinator's address in id order: a bootstrap list that survives the loss of one
   * (their proxies' addresses with {@link quorumLinks}).
   */
  get bootstrapAddresses(): string[] {
    return this.quorumLinks?.addresses ?? this.coordinators.map((node) => node.address);
  }

  /** A secure cluster's {@link ClusterSecurity}; throws for a cluster started without `secure`. */
  get secured(): ClusterSecurity {
    if (!this.security) throw new Error('this cluster was not started with secure: true');
    return this.security;
  }

  /** A secure cluster's bootstrap for users: every coordinator's CLIENT (SASL_SSL) address. */
  get clientBootstrap(): string[] {
    this.secured;
    return this.coordinators.map((node) => node.listenerAddress(CLIENT_LISTENER));
  }

  /**
   * `new Fjord({ ...cluster.clientOptions(login), clientId })` reaches a secure cluster as
   * `login` (default the admin super user): CLIENT bootstrap, the CA, SCRAM.
   */
  clientOptions(login?: ScramLogin): SecureClientOptions {
    return this.secured.clientOptions(this.clientBootstrap, login);
  }

  /**
   * Creates a user of a secure cluster (SCRAM-SHA-256 and -512 credentials) through the
   * coordinators' SecurityService, and returns its login once every running broker accepts it;
   * the password is random unless given.
   */
  async createUser(username: string, password = randomPassword()): Promise<Required<ScramLogin>> {
    await this.#security().upsertUser(username, password);
    const login = { username, password, mechanism: this.secured.mechanism };
    // Brokers check logins against their copy of the credentials, a heartbeat behind.
    const options = this.secured.clientOptions([], login);
    await Promise.all(
      this.brokers
        .filter((node) => node.running && !node.paused)
        .map((node) => waitUntilBrokerLogin(node.listenerAddress(CLIENT_LISTENER), options)),
    );
    return login;
  }

  /** Creates ACLs in a secure cluster (as the testkit's super-user principal). */
  createAcls(bindings: readonly AclBindingSpec[]): Promise<void> {
    return this.#security().createAcls(bindings);
  }

  /** Deletes the ACLs of a secure cluster matching any filter; returns the deleted ones. */
  deleteAcls(filters: readonly AclFilterSpec[]): ReturnType<SecurityAdminClient['deleteAcls']> {
    return this.#security().deleteAcls(filters);
  }

  /** The coordinators' security state (ACLs, credentials, broker principals) and version. */
  describeSecurityState(): ReturnType<SecurityAdminClient['describeSecurityState']> {
    return this.#security().describeSecurityState();
  }

  #security(): SecurityAdminClient {
    this.#securityAdmin ??= new SecurityAdminClient(this.bootstrapAddresses, this.secured.testkitSecurity());
    return this.#securityAdmin;
  }

  /** Coordinator `id` (1-based); throws for an unknown id. */
  coordinatorNode(id: number): NodeProcess {
    const node = this.coordinators[id - 1];
    if (!node) throw new Error(`no coordinator ${id} in this cluster (ids 1..${this.coordinators.length})`);
    return node;
  }

  /** Coordinator `node`'s id in the quorum. */
  coordinatorId(node: NodeProcess): number {
    const index = this.coordinators.indexOf(node);
    if (index < 0) throw new Error(`${node.name} is not a coordinator of this cluster`);
    return index + 1;
  }

  /** DescribeQuorum as coordinator `node` answers it (default deadline 2 000 ms). */
  describeQuorum(node: NodeProcess = this.coordinator, timeoutMs?: number): Promise<QuorumDescription> {
    return this.#coordinatorClient().describeQuorum(node.address, timeoutMs);
  }

  /**
   * Waits until a running, not paused coordinator says it leads (DescribeQuorum: its own id is
   * the leader id) and returns it; the one of the highest term when two say so (a deposed
   * leader that has not heard yet). `except` skips a coordinator, e.g. the one just killed.
   */
  async leader({
    timeoutMs = 30_000,
    except,
  }: {
    timeoutMs?: number;
    except?: NodeProcess;
  } = {}): Promise<NodeProcess> {
    let seen = 'no answer';
    return waitFor(
      async () => {
        const candidates = this.coordinators.filter(
          (node) => node.running && !node.paused && node !== except,
        );
        const answers = await Promise.all(
          candidates.map((node) =>
            this.describeQuorum(node, 1_000).then(
              (answer) => ({ node, answer }),
              () => undefined,
            ),
          ),
        );
        const leading = answers
          .filter((a): a is { node: NodeProcess; answer: QuorumDescription } => a !== undefined)
          .filter(({ answer }) => answer.leaderId === answer.nodeId)
          .sort((a, b) => Number(BigInt(b.answer.term) - BigInt(a.answer.term)));
        seen = answers
          .map(
            (a, i) =>
              `${candidates[i]?.name}: ${a ? `leader ${a.answer.leaderId} term ${a.answer.term}` : 'no answer'}`,
          )
          .join(', ');
        return leading[0]?.node;
      },
      { timeoutMs, intervalMs: 100, message: () => `a coordinator quorum leader (${seen})` },
    );
  }

  /** Kafka bootstrap servers: every broker's Kafka listener, `host:port` in id order. */
  get kafkaBootstrap(): string[] {
    return this.brokers.map((node) => node.kafkaAddress);
  }

  /** Brokers in id order. */
  get brokers(): NodeProcess[] {
    return [...this.#brokers.entries()].sort(([a], [b]) => a - b).map(([, node]) => node);
  }

  /** The broker with this id; throws for an unknown id. */
  broker(id: number): NodeProcess {
    const node = this.#brokers.get(id);
    if (!node)
      throw new Error(`no broker ${id} in this cluster (ids: ${[...this.#brokers.keys()].join(', ')})`);
    return node;
  }

  /** Starts one more broker (default id: highest + 1) and resolves once it registered. */
  async addBroker(id = Math.max(0, ...this.#brokers.keys()) + 1): Promise<NodeProcess> {
    if (this.#brokers.has(id)) throw new Error(`broker ${id} already exists`);
    const options = this.#options;
    const extra =
      typeof options.brokerArgs === 'function' ? options.brokerArgs(id) : (options.brokerArgs ?? []);
    const firstBroker = options.ports?.firstBroker;
    const firstBrokerMetrics = options.ports?.firstBrokerMetrics;
    const route = this.links
      ? await this.links.addBroker(id)
      : ['--coordinator', this.bootstrapAddresses.join(',')];
    const port = firstBroker === undefined ? 0 : firstBroker + id - 1;
    const firstClient = options.ports?.firstBrokerClient;
    const clientPort = firstClient === undefined ? 0 : firstClient + id - 1;
    const secure = await secureNodeOptions(
      this.security,
      options.clientListeners === true,
      `broker-${id}`,
      'broker',
      port,
      clientPort,
    );
    const node = await NodeProcess.start({
      name: `broker-${id}`,
      entry: appEntry('broker'),
      args: ['--broker-id', String(id), ...route, ...logLevelArgs(options), ...secure.args, ...extra],
      port,
      ...secure.node,
      metricsPort: firstBrokerMetrics === undefined ? 0 : firstBrokerMetrics + id - 1,
      kafkaPort: kafkaPortOf(options, id),
      dataDir: join(this.dataDir, `broker-${id}`),
      readyEvent: 'registered',
      ...nodeIo(options, this.dataDir, `broker-${id}`),
      // A broker restarted after kill -9 is refused until its old session expires.
      startTimeoutMs: (options.startTimeoutMs ?? 30_000) + sessionTimeoutMs(options),
      stopTimeoutMs: options.stopTimeoutMs,
    });
    this.links?.setBrokerPort(id, node.port);
    this.#brokers.set(id, node);
    return node;
  }

  /** The coordinator's (the quorum leader's) current DescribeCluster answer. */
  describeCluster(timeoutMs?: number): Promise<ClusterDescription> {
    return this.#coordinatorClient().describeCluster(timeoutMs);
  }

  #coordinatorClient(): CoordinatorClient {
    // Straight to the coordinators, past any proxy: the testkit watches faults, it is not cut.
    this.#client ??= new CoordinatorClient(
      this.coordinators.map((node) => node.address),
      this.security?.testkitSecurity(),
    );
    return this.#client;
  }

  /** Polls DescribeCluster until the given brokers are alive (and the others fenced). */
  async waitForBrokers({
    alive = [],
    fenced = [],
    timeoutMs = 30_000,
  }: WaitForBrokersOptions): Promise<ClusterDescription> {
    let seen = 'no answer from the coordinator';
    const wanted = `brokers alive=[${alive.join(',')}] fenced=[${fenced.join(',')}]`;
    try {
      return await waitFor(
        async () => {
          const description = await this.describeCluster();
          const state = new Map(description.brokers.map((b) => [b.id, b.alive]));
          seen = `coordinator sees ${brokerStates(description)}`;
          const ok =
            alive.every((id) => state.get(id) === true) && fenced.every((id) => state.get(id) === false);
          return ok ? description : undefined;
        },
        { timeoutMs, intervalMs: 100, message: wanted },
      );
    } catch (error) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${wanted}; ${seen}`, { cause: error });
    }
  }

  /**
   * Stops every node (brokers first, SIGTERM then SIGKILL after `stopTimeoutMs`) and removes
   * the cluster directory unless kept. Idempotent: later calls return the same promise.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#client?.close();
    this.#securityAdmin?.close();
    try {
      await Promise.all(this.brokers.map((node) => node.stop()));
      await Promise.all(this.coordinators.map((node) => node.stop()));
      await this.links?.close();
      await this.quorumLinks?.close();
    } finally {
      if (this.#removeDir) rmSync(this.dataDir, { recursive: true, force: true });
    }
  }
}

/**
 * Starts the coordinator (or a quorum of `coordinators`) and `brokers` brokers as child
 * processes and resolves once a quorum has a leader and every broker is registered and alive.
 * On any failure it stops what it started and rejects with the failing node's last log lines.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.coordinators ?? 1;
  if (![1, 3, 5].includes(count)) throw new Error(`coordinators must be 1, 3 or 5, not ${count}`);
  if (options.clientListeners && options.networkFaults) {
    throw new Error(
      'clientListeners cannot be combined with networkFaults (the proxies forward one port per node)',
    );
  }
  if (options.secure && options.networkFaults) {
    throw new Error(
      'a secure cluster cannot have networkFaults in the testkit yet (the proxies forward plain ports)',
    );
  }
  const created = options.dataDir === undefined;
  const dataDir = created ? mkdtempSync(join(tmpdir(), 'fjord-')) : resolve(options.dataDir!);
  const removeDir = created && !options.keepData && process.env.FJORD_TESTKIT_KEEP_DATA !== '1';
  const coordinators: NodeProcess[] = [];
  let cluster: Cluster | undefined;
  let security: ClusterSecurity | undefined;
  let quorumLinks: QuorumLinks | undefined;
  try {
    if (options.secure) {
      const secureOptions = options.secure === true ? {} : options.secure;
      security = await ClusterSecurity.create(dataDir, secureOptions, {
        coordinators: count,
        brokers: options.brokers ?? 3,
      });
    }
    const ports = count > 1 ? await quorumPorts(count, options.ports?.coordinator) : undefined;
    if (ports && options.networkFaults) {
      quorumLinks = await QuorumLinks.start(ports, () =>
        runningNodePids([...coordinators, ...(cluster?.brokers ?? [])]),
      );
    }
    const quorum = ports ? quorumArgs(ports, quorumLinks?.addresses) : undefined;
    const started = await Promise.allSettled(
      Array.from({ length: count }, async (_, i) => {
        const name = quorum ? `coordinator-${i + 1}` : 'coordinator';
        const firstMetrics = options.ports?.coordinatorMetrics;
        const port = quorum ? (quorum.ports[i] as number) : (options.ports?.coordinator ?? 0);
        const firstClient = options.ports?.coordinatorClient;
        const clientPort = firstClient === undefined ? 0 : firstClient + i;
        const secure = await secureNodeOptions(
          security,
          options.clientListeners === true,
          `coordinator-${i + 1}`,
          'coordinator',
          port,
          clientPort,
        );
        const node = await NodeProcess.start({
          name,
          entry: appEntry('coordinator'),
          args: [
            ...(quorum?.args(i + 1) ?? []),
            ...timingArgs(options),
            ...logLevelArgs(options),
            ...secure.args,
            ...(options.coordinatorArgs ?? []),
          ],
          port,
          ...secure.node,
          metricsPort: firstMetrics === undefined ? 0 : firstMetrics + i,
          dataDir: join(dataDir, name),
          ...nodeIo(options, dataDir, name),
          startTimeoutMs: options.startTimeoutMs,
          stopTimeoutMs: options.stopTimeoutMs,
        });
        coordinators[i] = node;
        return node;
      }),
    );
    const failedCoordinator = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failedCoordinator) throw failedCoordinator.reason;
    cluster = new Cluster(options, dataDir, removeDir, coordinators, security, quorumLinks);
    if (quorum) await cluster.leader({ timeoutMs: options.startTimeoutMs ?? 30_000 });
    const ids = Array.from({ length: options.brokers ?? 3 }, (_, i) => i + 1);
    const starting = ids.map((id) => cluster!.addBroker(id));
    const results = await Promise.allSettled(starting);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await cluster.waitForBrokers({ alive: ids });
    return cluster;
  } catch (error) {
    if (cluster) await cluster.stop();
    else {
      await Promise.all(coordinators.filter(Boolean).map((node) => node.stop()));
      await quorumLinks?.close();
      if (removeDir) rmSync(dataDir, { recursive: true, force: true });
    }
    throw error;
  }
}

/**
 * The ports a quorum of `count` coordinators binds: consecutive from `firstPort`, or free
 * ephemeral ones picked now (every voter must know the others' addresses at start).
 */
async function quorumPorts(count: number, firstPort: number | undefined): Promise<number[]> {
  return firstPort ? Array.from({ length: count }, (_, i) => firstPort + i) : freePorts(count);
}

/**
 * The flags of each voter: its id and the voter list, every voter at `voterAddresses` (its
 * proxy) when given, else at the port it binds.
 */
function quorumArgs(ports: readonly number[], voterAddresses?: readonly string[]) {
  const addresses = voterAddresses ?? ports.map((port) => `127.0.0.1:${port}`);
  const voters = addresses.map((address, i) => `${i + 1}@${address}`).join(',');
  return { ports, args: (id: number) => ['--node-id', String(id), '--voters', voters] };
}

/**
 * A node's flags, listeners and environment in a secure cluster: INTERNAL first (on `port`, so
 * voters, `--coordinator` and the testkit's own client use it), then CLIENT on `clientPort`.
 * Without `security`: the same two listeners over PLAINTEXT when `clientListeners`, else nothing.
 */
async function secureNodeOptions(
  security: ClusterSecurity | undefined,
  clientListeners: boolean,
  certificateName: string,
  kind: 'coordinator' | 'broker',
  port: number,
  clientPort: number,
): Promise<{
  args: string[];
  node: { listeners?: { name: string; port: number }[]; env?: Record<string, string> };
}> {
  const listeners = [
    { name: INTERNAL_LISTENER, port },
    { name: CLIENT_LISTENER, port: clientPort },
  ];
  if (!security && clientListeners) {
    return {
      args: [
        '--listener-security-protocol-map',
        `${INTERNAL_LISTENER}:PLAINTEXT,${CLIENT_LISTENER}:PLAINTEXT`,
        ...(kind === 'broker' ? ['--inter-broker-listener-name', INTERNAL_LISTENER] : []),
      ],
      node: { listeners },
    };
  }
  if (!security) return { args: [], node: {} };
  return {
    args: await security.nodeArgs(certificateName, kind),
    node: {
      listeners,
      ...(kind === 'coordinator' ? { env: security.coordinatorEnv() } : {}),
    },
  };
}

/** A password for a test user: random, URL-safe. */
function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Pid to node name of the nodes running now, for proxies that name their callers. */
function runningNodePids(nodes: readonly NodeProcess[]): Map<number, string> {
  return new Map(nodes.filter((node) => node?.running).map((node) => [node.pid, node.name]));
}

/** `1:alive 2:fenced`, for timeout errors. */
function brokerStates(description: ClusterDescription): string {
  const states = description.brokers.map((b) => `${b.id}:${b.alive ? 'alive' : 'fenced'}`);
  return states.length === 0 ? 'no brokers' : states.join(' ');
}

/** The session timeout the testkit sets; 0 when the coordinator's default applies. */
function sessionTimeoutMs(options: ClusterOptions): number {
  return options.appDefaultTimings ? 0 : (options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS);
}

function timingArgs(options: ClusterOptions): string[] {
  if (options.appDefaultTimings) return [];
  return [
    '--session-timeout-ms',
    String(sessionTimeoutMs(options)),
    '--heartbeat-interval-ms',
    String(options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS),
  ];
}

function logLevelArgs(options: ClusterOptions): string[] {
  return ['--log-level', options.logLevel ?? 'info'];
}

/** Where a node's output and exits go: a log file (unless disabled) and the callbacks. */
function nodeIo(options: ClusterOptions, dataDir: string, name: string) {
  const logDir = options.logDir === undefined ? join(dataDir, 'logs') : options.logDir;
  const { onLog, onExit } = options;
  return {
    logFile: logDir === null ? undefined : join(logDir, `${name}.log`),
    onLine: onLog ? (line: string, event: LogEvent | undefined) => onLog(name, line, event) : undefined,
    onExit: onExit ? (exit: ExitInfo) => onExit(name, exit) : undefined,
  };
}

/** A broker's Kafka port: fixed from `ports.firstBrokerKafka`, ephemeral with `kafka`, else none. */
function kafkaPortOf(options: ClusterOptions, id: number): number | undefined {
  const first = options.ports?.firstBrokerKafka;
  if (first !== undefined) return first + id - 1;
  return options.kafka ? 0 : undefined;
}
