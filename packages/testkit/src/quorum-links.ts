import type { NodePids } from './network-links.js';
import { loopbackSocketOwner } from './socket-owner.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * The network of a proxied coordinator quorum ({@link ClusterOptions.networkFaults} with 3 or
 * 5 coordinators): one {@link TcpProxy} in front of every coordinator. The proxy's address is
 * the voter's address in `--voters`, so every way to a coordinator goes through it: the other
 * voters' Raft RPCs, the brokers' heartbeats and metadata calls, and clients bootstrapping from
 * {@link Cluster.bootstrapAddresses}. Each proxy names its callers by process (socket-owner.ts),
 * so one coordinator can be cut off from everyone, its own calls to the others included.
 *
 * The testkit's own control calls ({@link Cluster.leader}, {@link Cluster.describeQuorum},
 * {@link Cluster.waitForBrokers}) go to the coordinators directly: they watch the faults
 * without being subject to them.
 */
export class QuorumLinks {
  readonly #proxies: TcpProxy[];

  private constructor(proxies: TcpProxy[]) {
    this.#proxies = proxies;
  }

  /**
   * Starts one proxy per coordinator, coordinator `i + 1` listening on `targetPorts[i]`;
   * `nodePids` names the cluster's running processes (coordinators `coordinator-<id>`,
   * brokers `broker-<id>`).
   */
  static async start(targetPorts: readonly number[], nodePids: NodePids): Promise<QuorumLinks> {
    const identifyPeer = (clientPort: number, proxyPort: number): string | undefined => {
      const pids = nodePids();
      const owner = loopbackSocketOwner(clientPort, proxyPort, [...pids.keys()]);
      return owner === undefined ? undefined : pids.get(owner);
    };
    const started = await Promise.allSettled(
      targetPorts.map((targetPort) => TcpProxy.start({ targetPort, identifyPeer })),
    );
    const proxies = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(proxies.map((proxy) => proxy.close()));
      throw failed.reason;
    }
    return new QuorumLinks(proxies);
  }

  /** `127.0.0.1:<proxy port>` of every coordinator, in id order: the voters' addresses. */
  get addresses(): string[] {
    return this.#proxies.map((proxy) => `127.0.0.1:${proxy.port}`);
  }

  /** The proxy in front of coordinator `id` (1-based). */
  toCoordinator(id: number): TcpProxy {
    const proxy = this.#proxies[id - 1];
    if (!proxy) throw new Error(`no proxied coordinator ${id} (ids 1..${this.#proxies.length})`);
    return proxy;
  }

  /**
   * Cuts coordinator `id` off (blackhole, both directions) until {@link heal}: nobody reaches
   * it (voters, brokers, clients) and it reaches no other voter. Its processes keep running,
   * so a leader cut off keeps believing it leads until it misses its quorum.
   */
  isolate(id: number): void {
    this.toCoordinator(id).blackhole();
    this.#proxies.forEach((proxy, index) => {
      if (index + 1 !== id) proxy.blackhole([`coordinator-${id}`]);
    });
  }

  /** Ends every cut: held bytes and connections go through. */
  heal(): void {
    for (const proxy of this.#proxies) proxy.heal();
  }

  /** Closes every proxy. */
  async close(): Promise<void> {
    await Promise.all(this.#proxies.map((proxy) => proxy.close()));
  }
}
