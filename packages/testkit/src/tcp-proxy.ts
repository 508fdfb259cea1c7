import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Options of {@link TcpProxy.start}. */
export interface TcpProxyOptions {
  /** Port on 127.0.0.1 to forward to; can be changed later with {@link TcpProxy.setTarget}. */
  targetPort: number;
  /**
   * Delay of every server-to-client chunk, in ms (default 0). Answers then arrive this long
   * after the server sent them, which opens a window where {@link TcpProxy.dropConnections}
   * loses an answer to a request the server has already carried out.
   */
  responseDelayMs?: number;
}

/**
 * A TCP proxy on 127.0.0.1 for fault tests: forwards every connection to the target port,
 * optionally delays the answers, and drops all current connections on demand (the client
 * sees its connection reset, as with a network fault; it reconnects through the proxy).
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #targetPort: number;
  readonly #delayMs: number;
  #dropped = 0;

  private constructor(server: Server, options: TcpProxyOptions) {
    this.#server = server;
    this.#targetPort = options.targetPort;
    this.#delayMs = options.responseDelayMs ?? 0;
    server.on('connection', (client) => this.#forward(client));
  }

  /** Starts a proxy on an ephemeral port of 127.0.0.1. */
  static async start(options: TcpProxyOptions): Promise<TcpProxy> {
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

  /** Forwards new connections to `port` from now on. */
  setTarget(port: number): void {
    this.#targetPort = port;
  }

  /** Destroys every current connection (both sides); answers still delayed are lost. */
  dropConnections(): number {
    const count = this.#pairs.size;
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    this.#dropped += count;
    return count;
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #forward(client: Socket): void {
    const upstream = createConnection({ host: '127.0.0.1', port: this.#targetPort });
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const close = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (this.#delayMs === 0) {
        client.write(chunk);
        return;
      }
      // Same delay for every chunk, so timers fire in arrival order: the stream stays intact.
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
      }, this.#delayMs);
    });
  }
}
