import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Options of {@link TcpProxy.start}. */
export interface TcpProxyOptions {
  /**
   * Port on 127.0.0.1 to forward to; can be set or changed later with
   * {@link TcpProxy.setTarget}. Until a target is known, connections are accepted and held.
   */
  targetPort?: number;
  /**
   * Delay of every server-to-client chunk, in ms (default 0). Answers then arrive this long
   * after the server sent them, which opens a window where {@link TcpProxy.dropConnections}
   * loses an answer to a request the server has already carried out.
   */
  responseDelayMs?: number;
  /**
   * Names the caller of a new connection from its ports (e.g. `broker-2`), so that
   * {@link TcpProxy.blackhole} can cut some callers only. Without it every caller is unnamed
   * and only a blackhole of all callers applies.
   */
  identifyPeer?: (clientPort: number, proxyPort: number) => string | undefined;
}

/** One proxied connection; `upstream` is absent while the connection is held. */
interface Link {
  client: Socket;
  upstream: Socket | undefined;
  peer: string | undefined;
  /** Server-to-client chunks whose delay ran out while the link was blackholed. */
  heldAnswers: Buffer[];
}

/**
 * A TCP proxy on 127.0.0.1 for fault tests: forwards every connection to the target port,
 * optionally delays the answers, and injects two network faults:
 * - {@link dropConnections}: every current connection is reset (the client reconnects);
 * - {@link blackhole}: a network partition. Bytes stop flowing both ways on the affected
 *   connections without any reset, and new connections are accepted but go nowhere, so
 *   callers see a hang and must rely on their own timeouts; {@link heal} lets the held
 *   bytes and connections through, as TCP retransmission would after a short partition.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #links = new Set<Link>();
  readonly #options: TcpProxyOptions;
  #targetPort: number | undefined;
  readonly #delayMs: number;
  #dropped = 0;
  /** Callers cut off: `all`, or the peer names given to {@link blackhole}. */
  #cut: 'all' | Set<string> = new Set();

  private constructor(server: Server, options: TcpProxyOptions) {
    this.#server = server;
    this.#options = options;
    this.#targetPort = options.targetPort;
    this.#delayMs = options.responseDelayMs ?? 0;
    server.on('connection', (client) => this.#accept(client));
  }

  /** Starts a proxy on an ephemeral port of 127.0.0.1. */
  static async start(options: TcpProxyOptions = {}): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The port the proxy listens on. */
  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** Connections dropped by {@link dropConnections} so far. */
  get droppedConnections(): number {
    return this.#dropped;
  }

  /** True while some or all callers are blackholed. */
  get blackholed(): boolean {
    return this.#cut === 'all' || this.#cut.size > 0;
  }

  /** The peer names of the current connections (`undefined` for unnamed callers). */
  get peers(): Array<string | undefined> {
    this.#identifyUnnamed();
    return [...this.#links].map((link) => link.peer);
  }

  /** Forwards new (and held) connections to `port` from now on. */
  setTarget(port: number): void {
    this.#targetPort = port;
    this.#release();
  }

  /**
   * Cuts the given callers (peer names from `identifyPeer`), or every caller when `peers`
   * is omitted, until {@link heal}: their open connections stop moving bytes in both
   * directions and their new connections are held. Adds to an earlier blackhole.
   */
  blackhole(peers?: readonly string[]): void {
    if (peers === undefined) this.#cut = 'all';
    else if (this.#cut !== 'all') for (const peer of peers) this.#cut.add(peer);
    this.#identifyUnnamed();
    for (const link of this.#links) if (this.#isCut(link)) pauseLink(link);
  }

  /** Ends every blackhole: held bytes are delivered and held connections go upstream. */
  heal(): void {
    this.#cut = new Set();
    this.#release();
  }

  /** Destroys every current connection (both sides); answers still delayed are lost. */
  dropConnections(): number {
    const count = this.#links.size;
    for (const { client, upstream } of this.#links) {
      client.destroy();
      upstream?.destroy();
    }
    this.#links.clear();
    this.#dropped += count;
    return count;
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #isCut(link: Link): boolean {
    return this.#cut === 'all' || (link.peer !== undefined && this.#cut.has(link.peer));
  }

  #identify(client: Socket): string | undefined {
    return this.#options.identifyPeer?.(client.remotePort ?? 0, client.localPort ?? 0);
  }

  /**
   * Names the callers not named yet: a caller may have connected before the name of its
   * process was known (a node connects while it starts).
   */
  #identifyUnnamed(): void {
    for (const link of this.#links) link.peer ??= this.#identify(link.client);
  }

  #accept(client: Socket): void {
    // Nothing is read until the link may forward: a cut caller's bytes stay in its buffers.
    client.pause();
    // Naming a caller reads /proc (socket-owner.ts), synchronously: done only while some callers
    // are cut by name, else when a cut or `peers` asks. A peer that reconnects in a loop (to a
    // killed node) would otherwise stall every other link of this process with those reads.
    const named = this.#cut !== 'all' && this.#cut.size > 0;
    const link: Link = {
      client,
      upstream: undefined,
      peer: named ? this.#identify(client) : undefined,
      heldAnswers: [],
    };
    this.#links.add(link);
    const close = (): void => {
      this.#links.delete(link);
      client.destroy();
      link.upstream?.destroy();
    };
    client.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => {
      const upstream = link.upstream!;
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => {
          if (!this.#isCut(link)) client.resume();
        });
      }
    });
    if (this.#targetPort !== undefined && !this.#isCut(link)) this.#connect(link, this.#targetPort);
  }

  #connect(link: Link, port: number): void {
    const { client } = link;
    const upstream = createConnection({ host: '127.0.0.1', port });
    link.upstream = upstream;
    const close = (): void => {
      this.#links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', close).on('close', close);
    upstream.on('data', (chunk: Buffer) => {
      if (this.#delayMs === 0) this.#answer(link, chunk);
      // Same delay for every chunk, so timers fire in arrival order: the stream stays intact.
      else setTimeout(() => this.#answer(link, chunk), this.#delayMs);
    });
    client.resume();
  }

  #answer(link: Link, chunk: Buffer): void {
    if (link.client.destroyed) return;
    if (this.#isCut(link)) {
      link.heldAnswers.push(chunk);
      return;
    }
    if (!link.client.write(chunk)) {
      link.upstream?.pause();
      link.client.once('drain', () => {
        if (!this.#isCut(link)) link.upstream?.resume();
      });
    }
  }

  /** Lets every link that is no longer cut move again. */
  #release(): void {
    for (const link of this.#links) {
      if (this.#isCut(link)) continue;
      if (link.upstream === undefined) {
        if (this.#targetPort !== undefined) this.#connect(link, this.#targetPort);
        continue;
      }
      for (const chunk of link.heldAnswers.splice(0)) link.client.write(chunk);
      link.client.resume();
      link.upstream.resume();
    }
  }
}

function pauseLink(link: Link): void {
  link.client.pause();
  link.upstream?.pause();
}
