import { loopbackSocketOwner } from './socket-owner.js';
import { TcpProxy } from './tcp-proxy.js';

/** One end of a link: the coordinator or a broker id. */
export type LinkEnd = 'coordinator' | number;

/** Who is running now, by pid: node names (`coordinator`, `broker-1`) of the cluster. */
export type NodePids = () => ReadonlyMap<number, string>;

/**
 * The network of a proxied cluster ({@link ClusterOptions.networkFaults}): one
 * {@link TcpProxy} in front of every broker (its advertised port, so clients, other brokers
 * and the coordinator all reach it through there) and one per broker on its way to the
 * coordinator. Each proxy names its callers by process (see socket-owner.ts), so a link
 * between two nodes can be cut while both stay reachable by everyone else.
 */
export class NetworkLinks {
  readonly #nodePids: NodePids;
  readonly #toBroker = new Map<number, TcpProxy>();
  readonly #toCoordinator = new Map<number, TcpProxy>();
  readonly #coordinatorPort: number;

  /** @internal created by the cluster. */
  constructor(coordinatorPort: number, nodePids: NodePids) {
    this.#coordinatorPort = coordinatorPort;
    this.#nodePids = nodePids;
  }

  /**
   * Starts the two proxies of broker `id` and returns the flags that route it through
   * them (`--coordinator`, `--advertised-port`). The proxy in front of the broker holds
   * connections until {@link setBrokerPort} tells it where the broker listens.
   */
  async addBroker(id: number): Promise<string[]> {
    const identifyPeer = (clientPort: number, proxyPort: number): string | undefined => {
      const pids = this.#nodePids();
      const owner = loopbackSocketOwner(clientPort, proxyPort, [...pids.keys()]);
      return owner === undefined ? undefined : pids.get(owner);
    };
    const toBroker = await TcpProxy.start({ identifyPeer });
    const toCoordinator = await TcpProxy.start({ targetPort: this.#coordinatorPort, identifyPeer });
    this.#toBroker.set(id, toBroker);
    this.#toCoordinator.set(id, toCoordinator);
    return ['--coordinator', `127.0.0.1:${toCoordinator.port}`, '--advertised-port', String(toBroker.port)];
  }

  /** Points the proxy in front of broker `id` at the port the broker bound. */
  setBrokerPort(id: number, port: number): void {
    this.#proxy(this.#toBroker, id).setTarget(port);
  }

  /** The proxy every caller of broker `id` goes through. */
  toBroker(id: number): TcpProxy {
    return this.#proxy(this.#toBroker, id);
  }

  /** The proxy broker `id` reaches the coordinator through. */
  toCoordinator(id: number): TcpProxy {
    return this.#proxy(this.#toCoordinator, id);
  }

  /**
   * Partitions `a` from `b` (blackhole, both directions) until {@link heal}; every other
   * link, and clients, keep working. Cutting the coordinator from the coordinator is an error.
   */
  cut(a: LinkEnd, b: LinkEnd): void {
    if (a === b) throw new Error(`cannot cut ${linkEndName(a)} from itself`);
    if (a === 'coordinator' || b === 'coordinator') {
      const broker = (a === 'coordinator' ? b : a) as number;
      this.toCoordinator(broker).blackhole();
      this.toBroker(broker).blackhole(['coordinator']);
      return;
    }
    this.toBroker(a).blackhole([linkEndName(b)]);
    this.toBroker(b).blackhole([linkEndName(a)]);
  }

  /** Cuts broker `id` from everyone: coordinator, other brokers and clients. */
  isolate(id: number): void {
    this.toBroker(id).blackhole();
    this.toCoordinator(id).blackhole();
  }

  /** Ends every cut: held bytes and connections go through. */
  heal(): void {
    for (const proxy of [...this.#toBroker.values(), ...this.#toCoordinator.values()]) proxy.heal();
  }

  /** Closes every proxy. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.#toBroker.values(), ...this.#toCoordinator.values()].map((proxy) => proxy.close()),
    );
  }

  #proxy(proxies: Map<number, TcpProxy>, id: number): TcpProxy {
    const proxy = proxies.get(id);
    if (!proxy) throw new Error(`no proxied broker ${id} (proxied: ${[...proxies.keys()].join(', ')})`);
    return proxy;
  }
}

/** `coordinator` or `broker-<id>`, the node names of the testkit. */
export function linkEndName(end: LinkEnd): string {
  return end === 'coordinator' ? 'coordinator' : `broker-${end}`;
}
