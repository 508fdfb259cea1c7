import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { LineRing, type LogEvent, parseLogLine } from './log-lines.js';
import { trackChild } from './registry.js';

/** Which contract log event (docs/dev/CONTRACTS.md) means a node is ready. */
export type ReadyEvent = 'listening' | 'registered';

/** How a node process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link NodeProcess.start}. */
export interface NodeOptions {
  /** Node name, e.g. `coordinator` or `broker-1`: used in errors and by `onLine` callers. */
  name: string;
  /** The app's entry file (`apps/<kind>/dist/main.js`). */
  entry: string;
  /** App flags other than --host, --port and --data-dir (which the launcher sets). */
  args?: string[];
  /** Bind address (default 127.0.0.1: tests never listen on other interfaces). */
  host?: string;
  /** Port to bind; 0 (default) = ephemeral. A restart reuses the port bound first. */
  port?: number;
  /**
   * Named gRPC listeners (`--listeners NAME://host:port,...`) instead of `--host`/`--port`:
   * each binds `host` on its port (0 = ephemeral, learned from the `listening` line; a restart
   * reuses the port bound first). The first one is {@link NodeProcess.port}.
   */
  listeners?: readonly { readonly name: string; readonly port: number }[];
  /**
   * Port of the node's /metrics and /healthz server (`--metrics-port`); 0 (default) =
   * ephemeral, learned from the `metrics listening` log line; -1 = no metrics server. A
   * restart reuses the port bound first.
   */
  metricsPort?: number;
  /**
   * Port of a broker's Kafka listener (`--kafka-port`); 0 = ephemeral, learned from the
   * `kafka listening` log line; absent = no Kafka listener. A restart reuses the port bound first.
   */
  kafkaPort?: number;
  /** The node's data directory (created if missing). */
  dataDir: string;
  /** `listening` (default) or `registered` (brokers: registered with the coordinator). */
  readyEvent?: ReadyEvent;
  /** File receiving the node's stdout and stderr, appended across restarts; none if omitted. */
  logFile?: string;
  /** Called for every output line (stdout and stderr), parsed when it is pino JSON. */
  onLine?: (line: string, event: LogEvent | undefined) => void;
  /** Called when a process of this node exits (expected or not), after its output was read. */
  onExit?: (exit: ExitInfo) => void;
  /** Extra environment variables for the child (merged over process.env). */
  env?: Record<string, string | undefined>;
  /** Bound on reaching the ready event at each start (default 30 000 ms). */
  startTimeoutMs?: number;
  /** Bound on a graceful stop before SIGKILL (default 10 000 ms). */
  stopTimeoutMs?: number;
  /** Lines kept for {@link NodeProcess.recentLogs} (default 500). */
  keepLines?: number;
}

/** Options of {@link NodeProcess.waitForLog}. */
export interface WaitForLogOptions {
  /** Default 30 000 ms. */
  timeoutMs?: number;
}

/** The handle of one node of a cluster (the spec's name for {@link NodeProcess}). */
export type NodeHandle = NodeProcess;

/** One run of the child process; a restart makes a new incarnation. */
interface Incarnation {
  child: ChildProcess;
  exit: ExitInfo | undefined;
  /** Resolves when the process exited and all its output was read and written. */
  closed: Promise<ExitInfo>;
  watchers: Set<(event: LogEvent) => void>;
}

/**
 * A coordinator or broker running as a child process (`node main.js`, no shell). Its output
 * is read line by line: the contract events `listening` and `registered` tell when it is
 * ready and which port it bound (`metrics listening`: which metrics port); every line goes
 * to the log file and a ring buffer so that a failed start can show what the node said.
 */
export class NodeProcess {
  readonly name: string;
  readonly dataDir: string;
  readonly logFile: string | undefined;
  readonly host: string;
  readonly #options: NodeOptions;
  readonly #ring: LineRing;
  #port: number;
  /** Named listeners' ports by name, in the order given; empty without named listeners. */
  readonly #listenerPorts = new Map<string, number>();
  #metricsPort: number;
  /** True once the metrics port in use is known (logged, or fixed and logged once). */
  #metricsPortKnown = false;
  #kafkaPort: number | undefined;
  #kafkaPortKnown = false;
  #incarnation: Incarnation | undefined;
  #paused = false;
  #lastPid = -1;

  private constructor(options: NodeOptions) {
    this.#options = options;
    this.name = options.name;
    this.dataDir = options.dataDir;
    this.logFile = options.logFile;
    this.host = options.host ?? '127.0.0.1';
    this.#port = options.listeners?.[0]?.port ?? options.port ?? 0;
    for (const listener of options.listeners ?? []) this.#listenerPorts.set(listener.name, listener.port);
    this.#metricsPort = options.metricsPort ?? 0;
    this.#kafkaPort = options.kafkaPort;
    this.#ring = new LineRing(options.keepLines ?? 500);
  }

  /** Starts the process and resolves once it logged its ready event. */
  static async start(options: NodeOptions): Promise<NodeProcess> {
    const node = new NodeProcess(options);
    await node.#launch();
    return node;
  }

  /** PID of the current (or, once stopped, the last) process. */
  get pid(): number {
    return this.#lastPid;
  }

  /** The bound port (known after the first start; reused by restarts). */
  get port(): number {
    return this.#port;
  }

  /** `host:port`, what clients dial (with named listeners: the first one's). */
  get address(): string {
    return `${this.host}:${this.#port}`;
  }

  /** The bound port of named listener `name`; throws when the node has no such listener. */
  listenerPort(name: string): number {
    const port = this.#listenerPorts.get(name);
    if (port === undefined) {
      const names = [...this.#listenerPorts.keys()];
      throw new Error(`${this.name} has no listener ${name} (listeners: ${names.join(', ') || 'none'})`);
    }
    return port;
  }

  /** `host:port` of named listener `name`. */
  listenerAddress(name: string): string {
    return `${this.host}:${this.listenerPort(name)}`;
  }

  /**
   * The bound port of /metrics and /healthz, from the node's `metrics listening` line;
   * undefined when the node runs without a metrics server (metricsPort -1).
   */
  get metricsPort(): number | undefined {
    return this.#metricsPortKnown ? this.#metricsPort : undefined;
  }

  /**
   * The bound port of the broker's Kafka listener, from its `kafka listening` line; undefined
   * when it runs none.
   */
  get kafkaPort(): number | undefined {
    return this.#kafkaPortKnown ? this.#kafkaPort : undefined;
  }

  /** `host:port` Kafka clients dial; throws when the node runs no Kafka listener. */
  get kafkaAddress(): string {
    if (!this.#kafkaPortKnown) throw new Error(`${this.name} runs no Kafka listener`);
    return `${this.host}:${this.#kafkaPort}`;
  }

  /**
   * `http://host:port` of the node's /metrics and /healthz server, e.g.
   * `fetch(`${node.metricsUrl}/metrics`)`. Throws when the node has none (metricsPort -1).
   */
  get metricsUrl(): string {
    if (!this.#metricsPortKnown) throw new Error(`${this.name} runs without a metrics server`);
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.#metricsPort}`;
  }

  /** True from spawn until the process exited (a paused process is still running). */
  get running(): boolean {
    return this.#incarnation !== undefined && this.#incarnation.exit === undefined;
  }

  /** True between {@link pause} and {@link resume}. */
  get paused(): boolean {
    return this.#paused && this.running;
  }

  /** How the last process ended; undefined while it runs. */
  get exitInfo(): ExitInfo | undefined {
    return this.#incarnation?.exit;
  }

  /** The last `n` output lines (stdout and stderr, raw), across restarts. */
  recentLogs(n = 50): string[] {
    return this.#ring.last(n);
  }

  /**
   * Sends `signal` (default SIGKILL, i.e. kill -9) and resolves when the process exited.
   * Without a bound: use {@link stop} for a graceful stop that cannot hang.
   */
  async kill(signal: 'SIGKILL' | 'SIGTERM' | 'SIGINT' = 'SIGKILL'): Promise<ExitInfo | undefined> {
    const incarnation = this.#incarnation;
    if (!incarnation || incarnation.exit) return incarnation?.exit;
    incarnation.child.kill(signal);
    // A stopped process only acts on SIGTERM/SIGINT once it runs again.
    if (this.#paused && signal !== 'SIGKILL') this.resume();
    return incarnation.closed;
  }

  /** Graceful stop: SIGTERM, wait up to `stopTimeoutMs`, then SIGKILL. Idempotent. */
  async stop(timeoutMs = this.#options.stopTimeoutMs ?? 10_000): Promise<ExitInfo | undefined> {
    const incarnation = this.#incarnation;
    if (!incarnation || incarnation.exit) return incarnation?.exit;
    if (this.#paused) this.resume();
    incarnation.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([incarnation.closed, timedOut]);
    clearTimeout(timer);
    if (result !== 'timeout') return result;
    incarnation.child.kill('SIGKILL');
    return incarnation.closed;
  }

  /** Freezes the process (SIGSTOP): it keeps its sockets but answers nothing. */
  pause(): void {
    if (!this.running) throw new Error(`${this.name} is not running`);
    this.#incarnation!.child.kill('SIGSTOP');
    this.#paused = true;
  }

  /** Lets a paused process run again (SIGCONT). */
  resume(): void {
    if (!this.running) throw new Error(`${this.name} is not running`);
    this.#incarnation!.child.kill('SIGCONT');
    this.#paused = false;
  }

  /**
   * Starts the node again with the same port and data directory (stopping it gracefully
   * first if it still runs) and resolves once it is ready again.
   */
  async restart(options: { startTimeoutMs?: number } = {}): Promise<void> {
    if (this.running) await this.stop();
    await this.#launch(options.startTimeoutMs);
  }

  /**
   * Resolves with the first log event of the current process that matches: a `msg` value
   * or a predicate. Rejects when the process exits first or after the timeout. Only lines
   * logged after the call count.
   */
  waitForLog(
    match: string | ((event: LogEvent) => boolean),
    { timeoutMs = 30_000 }: WaitForLogOptions = {},
  ): Promise<LogEvent> {
    const predicate = typeof match === 'string' ? (event: LogEvent) => event.msg === match : match;
    const what = typeof match === 'string' ? `log "${match}"` : 'a matching log line';
    return this.#waitForEvent(predicate, timeoutMs, what);
  }

  async #launch(startTimeoutMs = this.#options.startTimeoutMs ?? 30_000): Promise<void> {
    const options = this.#options;
    mkdirSync(this.dataDir, { recursive: true });
    const args = [
      options.entry,
      ...(options.args ?? []),
      ...this.#listenerArgs(),
      '--metrics-port',
      String(this.#metricsPort),
      '--data-dir',
      this.dataDir,
      ...(this.#kafkaPort === undefined ? [] : ['--kafka-port', String(this.#kafkaPort)]),
    ];
    const log = this.#openLogFile(args);
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    trackChild(child);
    this.#paused = false;
    const incarnation = this.#track(child, log);
    this.#incarnation = incarnation;
    if (child.pid !== undefined) this.#lastPid = child.pid;

    const readyEvent = options.readyEvent ?? 'listening';
    let listened = false;
    try {
      await this.#waitForEvent(
        (event) => {
          // Logged before `listening` (the metrics server starts first).
          if (event.msg === 'metrics listening' && typeof event.metricsPort === 'number') {
            this.#metricsPort = event.metricsPort;
            this.#metricsPortKnown = true;
          }
          if (event.msg === 'kafka listening' && typeof event.kafkaPort === 'number') {
            this.#kafkaPort = event.kafkaPort;
            this.#kafkaPortKnown = true;
          }
          if (event.msg === 'listening') {
            if (typeof event.port === 'number') this.#port = event.port;
            this.#learnListenerPorts(event.listeners);
            listened = true;
          }
          return listened && event.msg === readyEvent;
        },
        startTimeoutMs,
        readyEvent,
      );
    } catch (error) {
      await this.kill('SIGKILL');
      throw error;
    }
  }

  /** `--listeners` with the ports in use, or the `--host`/`--port` shorthand. */
  #listenerArgs(): string[] {
    if (this.#listenerPorts.size === 0) return ['--host', this.host, '--port', String(this.#port)];
    const list = [...this.#listenerPorts].map(([name, port]) => `${name}://${this.host}:${port}`);
    return ['--listeners', list.join(',')];
  }

  /** Bound ports from the `listening` line's `listeners` (`NAME://host:port` strings). */
  #learnListenerPorts(listeners: unknown): void {
    if (!Array.isArray(listeners)) return;
    for (const entry of listeners) {
      const match = typeof entry === 'string' ? /^([^:]+):\/\/.*:(\d+)$/.exec(entry) : null;
      if (match && this.#listenerPorts.has(match[1]!)) this.#listenerPorts.set(match[1]!, Number(match[2]));
    }
    const first = this.#listenerPorts.values().next();
    if (!first.done) this.#port = first.value;
  }

  #openLogFile(args: string[]): WriteStream | undefined {
    if (!this.logFile) return undefined;
    mkdirSync(dirname(this.logFile), { recursive: true });
    const stream = createWriteStream(this.logFile, { flags: 'a' });
    stream.write(`# ${new Date().toISOString()} start: node ${args.join(' ')}\n`);
    return stream;
  }

  #track(child: ChildProcess, log: WriteStream | undefined): Incarnation {
    const watchers = new Set<(event: LogEvent) => void>();
    const onLine = (line: string): void => {
      log?.write(`${line}\n`);
      this.#ring.push(line);
      const event = parseLogLine(line);
      this.#options.onLine?.(line, event);
      if (event) for (const watcher of [...watchers]) watcher(event);
    };
    const readers = [child.stdout, child.stderr].map((stream) => {
      const reader = createInterface({ input: stream!, crlfDelay: Number.POSITIVE_INFINITY });
      reader.on('line', onLine);
      return once(reader, 'close');
    });
    // The callbacks below run after `incarnation` is initialised (events are asynchronous).
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        incarnation.exit = { code, signal };
        resolve(incarnation.exit);
      });
      // Only a failed spawn (no pid; never expected with process.execPath) counts as an exit;
      // a kill() racing with the exit also emits 'error' and must not.
      child.once('error', (error) => {
        if (child.pid !== undefined) return;
        onLine(`testkit: cannot start ${this.name}: ${error.message}`);
        incarnation.exit ??= { code: null, signal: null };
        resolve(incarnation.exit);
      });
    });
    const closed = (async () => {
      const exit = await exited;
      await Promise.all(readers);
      if (log) {
        log.write(`# ${new Date().toISOString()} exit: code=${exit.code} signal=${exit.signal}\n`);
        await new Promise<void>((resolve) => log.end(resolve));
      }
      this.#options.onExit?.(exit);
      return exit;
    })();
    const incarnation: Incarnation = { child, exit: undefined, watchers, closed };
    return incarnation;
  }

  #waitForEvent(predicate: (event: LogEvent) => boolean, timeoutMs: number, what: string): Promise<LogEvent> {
    const incarnation = this.#incarnation;
    if (!incarnation || incarnation.exit) {
      return Promise.reject(new Error(`${this.name} is not running`));
    }
    return new Promise<LogEvent>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        incarnation.watchers.delete(watcher);
        fn();
      };
      const watcher = (event: LogEvent): void => {
        if (predicate(event)) finish(() => resolve(event));
      };
      const timer = setTimeout(
        () => finish(() => reject(this.#failure(`did not log ${what} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      incarnation.watchers.add(watcher);
      void incarnation.closed.then((exit) =>
        finish(() => reject(this.#failure(`exited (${describeExit(exit)}) before it logged ${what}`))),
      );
    });
  }

  #failure(what: string): Error {
    const lines = this.recentLogs(30);
    const logs = lines.length > 0 ? lines.map((line) => `  ${line}`).join('\n') : '  (no output)';
    const where = this.logFile ? ` (full log: ${this.logFile})` : '';
    return new Error(`${this.name} ${what}. Last log lines${where}:\n${logs}`);
  }
}

function describeExit(exit: ExitInfo): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? 'spawn failed' : `exit code ${exit.code}`;
}
