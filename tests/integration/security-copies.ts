import { type Cluster, type LogEvent, waitFor } from '@fjord/testkit';

/** The broker's log message when it swapped in a newer copy of the security state. */
const SECURITY_STATE_UPDATED = 'security state updated';

/**
 * The version of each broker's copy of the cluster's security state (ACLs, SCRAM users), read
 * from the brokers' own log lines: a broker authorizes calls against its copy, a heartbeat
 * behind the coordinators. A test that creates ACLs and then acts through a broker waits with
 * {@link waitUntilCopied} for the broker to have them, instead of polling a refusal away.
 *
 * Pass {@link onLog} as the cluster's `onLog` option, so that no copy is missed.
 */
export class BrokerSecurityCopies {
  readonly #versions = new Map<string, bigint>();

  /** The cluster's `onLog` callback. */
  readonly onLog = (node: string, _line: string, event: LogEvent | undefined): void => {
    if (event?.msg !== SECURITY_STATE_UPDATED || typeof event.securityVersion !== 'string') return;
    const version = BigInt(event.securityVersion);
    if (version > (this.#versions.get(node) ?? -1n)) this.#versions.set(node, version);
  };

  /** The version broker `node` (`broker-1`) last logged, or undefined before its first copy. */
  versionOf(node: string): bigint | undefined {
    return this.#versions.get(node);
  }

  /**
   * Resolves once every running broker's copy is at least the coordinators' current version
   * (DescribeSecurityState), i.e. holds every ACL and user created before this call.
   */
  async waitUntilCopied(cluster: Cluster, timeoutMs = 30_000): Promise<void> {
    const target = BigInt((await cluster.describeSecurityState()).securityVersion);
    const brokers = cluster.brokers.filter((node) => node.running && !node.paused);
    await waitFor(() => brokers.every((node) => (this.versionOf(node.name) ?? -1n) >= target), {
      timeoutMs,
      intervalMs: 20,
      message: () =>
        `every broker's copy of the security state at version ${target} (${brokers
          .map((node) => `${node.name}: ${this.versionOf(node.name) ?? 'none'}`)
          .join(', ')})`,
    });
  }
}
