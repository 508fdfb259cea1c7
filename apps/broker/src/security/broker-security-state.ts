import type { v1 } from '@fjord/protocol';
import type { ScramCredentialLookup, StandardAuthorizer } from '@fjord/security';
import type { SecurityStateSource } from '@fjord/server-kit';
import type { Logger } from 'pino';
import { AwaitingStateAuthorizer } from './awaiting-state-authorizer.js';
import { type SecuritySnapshot, securitySnapshot } from './security-snapshot.js';

/** Backoff between attempts to copy the security state after a failure. */
export const SECURITY_STATE_RETRY_MS = { initial: 250, max: 5_000 } as const;

/** Options of {@link BrokerSecurityState}. */
export interface BrokerSecurityStateOptions {
  /** `--authorizer`: with `none` every call is allowed; credentials and bindings are still copied. */
  authorizer: 'none' | 'standard';
  /** `--super-users`, e.g. `['User:admin', 'User:broker-1']`. */
  superUsers: readonly string[];
  /** `--allow-everyone-if-no-acl-found`. */
  allowEveryoneIfNoAclFound: boolean;
  /** SecurityService/DescribeSecurityState on the coordinator quorum's leader. */
  describe: () => Promise<v1.DescribeSecurityStateResponse__Output>;
  logger: Logger;
  /** Backoff after a failed copy (default {@link SECURITY_STATE_RETRY_MS}). */
  retryMs?: { initial: number; max: number };
}

/**
 * The broker's copy of the cluster's security state (ACLs, SCRAM credentials, which principal
 * each broker id is bound to), kept current from the coordinator: when a heartbeat answer's
 * `security_version` is newer than the copy, the broker calls DescribeSecurityState on the
 * quorum leader and swaps the whole new state in at once. A failed call, an answer older than
 * the version a heartbeat announced, or an answer that does not parse keeps the current copy
 * and is retried with backoff.
 *
 * This is the broker's `SecurityStateSource` (server kit) for its gRPC server and the Kafka
 * listener's `deps.security`: each method reads the snapshot current at that moment, and a
 * snapshot never changes, so a caller holding one authorizer sees one consistent ACL set.
 * Until the first copy arrives, `authorizer()` is an {@link AwaitingStateAuthorizer} (super
 * users allowed, everyone else a retriable refusal), no SCRAM user is known and no principal
 * is bound to a broker id.
 */
export class BrokerSecurityState implements SecurityStateSource {
  readonly #options: BrokerSecurityStateOptions;
  readonly #awaiting: AwaitingStateAuthorizer;
  readonly #superUsers: ReadonlySet<string>;
  #snapshot: SecuritySnapshot | undefined;
  /** The newest version a heartbeat announced (-1: none yet). */
  #announced = -1n;
  #copying: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;
  readonly #loadedWaiters = new Set<() => void>();

  constructor(options: BrokerSecurityStateOptions) {
    this.#options = options;
    this.#awaiting = new AwaitingStateAuthorizer(options.superUsers);
    this.#superUsers = new Set(options.superUsers);
  }

  /** The ACLs to check calls against, or undefined with `--authorizer none` (every call allowed). */
  authorizer(): StandardAuthorizer | undefined {
    if (this.#options.authorizer === 'none') return undefined;
    return this.#snapshot?.authorizer ?? this.#awaiting;
  }

  /** The stored SCRAM credential of a user for a mechanism, from the current copy. */
  readonly scramCredential: ScramCredentialLookup = (user, mechanism) =>
    this.#snapshot?.credentials.lookup(user, mechanism);

  /** The broker id bound to a principal (`User:broker-1`) in the current copy. */
  brokerIdOf(principal: string): number | undefined {
    return this.#snapshot?.brokerIds.get(principal);
  }

  /** True while calls are to be authorized and no copy of the ACLs has arrived yet. */
  get awaitingFirstCopy(): boolean {
    return this.#options.authorizer === 'standard' && this.#snapshot === undefined;
  }

  /** Whether the principal (`User:admin`) is in `--super-users`. */
  isSuperUser(principal: string): boolean {
    return this.#superUsers.has(principal);
  }

  /**
   * The view the broker's gRPC server authorizes with. It differs from this object in one
   * point: while {@link awaitingFirstCopy}, it has no authorizer, so the server kit lets every
   * call through to the BrokerService handlers, which refuse every caller but super users
   * retriably themselves (`admitBeforeSecurityState`). The kit's authorization gate answers an
   * authorizer that throws with a non-retriable CLUSTER_AUTHORIZATION_FAILED; a broker that is
   * still starting must not tell a client it is not authorized.
   */
  grpcServerState(): SecurityStateSource {
    return {
      authorizer: () => (this.awaitingFirstCopy ? undefined : this.authorizer()),
      scramCredential: this.scramCredential,
      brokerIdOf: (principal) => this.brokerIdOf(principal),
    };
  }

  /** The version of the current copy; undefined before the first one. */
  get version(): bigint | undefined {
    return this.#snapshot?.version;
  }

  /** Starts copying the state now, without waiting for a heartbeat to announce a version. */
  start(): void {
    this.#copySoon();
  }

  /**
   * A heartbeat answer's `security_version`: copies the state again when it is newer than the
   * copy (one copy at a time; a version announced during a copy is checked when it ends).
   */
  observeVersion(version: bigint): void {
    if (version > this.#announced) this.#announced = version;
    if (!this.#isCurrent()) this.#copySoon();
  }

  /** Resolves true once a first copy is in place, false if `timeoutMs` passes first. */
  whenLoaded(timeoutMs: number): Promise<boolean> {
    if (this.#snapshot) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (loaded: boolean) => {
        clearTimeout(timer);
        this.#loadedWaiters.delete(onLoaded);
        resolve(loaded);
      };
      const onLoaded = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      this.#loadedWaiters.add(onLoaded);
    });
  }

  /** Stops retrying; the copy in place stays readable. */
  close(): void {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    for (const waiter of [...this.#loadedWaiters]) waiter();
  }

  #isCurrent(): boolean {
    return this.#snapshot !== undefined && this.#snapshot.version >= this.#announced;
  }

  #copySoon(): void {
    // A running copy checks the announced version when it ends; a pending retry will run.
    if (this.#closed || this.#copying || this.#retryTimer) return;
    this.#copying = this.#copy().finally(() => {
      this.#copying = undefined;
    });
  }

  async #copy(): Promise<void> {
    const { describe, logger, superUsers, allowEveryoneIfNoAclFound } = this.#options;
    let next: SecuritySnapshot;
    try {
      next = securitySnapshot(await describe(), { superUsers, allowEveryoneIfNoAclFound });
    } catch (error) {
      this.#failures++;
      logger.warn(
        { err: error instanceof Error ? error.message : String(error), attempt: this.#failures },
        'copying the security state from the coordinator failed; retrying',
      );
      this.#retryLater();
      return;
    }
    const current = this.#snapshot;
    if (!current || next.version > current.version) {
      this.#snapshot = next;
      logger.info(
        {
          securityVersion: next.version.toString(),
          acls: next.authorizer.aclCount,
          scramUsers: next.credentials.describe().size,
          brokerPrincipals: next.brokerIds.size,
        },
        'security state updated',
      );
      if (!current) for (const waiter of [...this.#loadedWaiters]) waiter();
    }
    if (this.#isCurrent()) {
      this.#failures = 0;
      return;
    }
    // The leader answered with an older state than a heartbeat announced (a leader change in
    // between): ask again, later, rather than in a tight loop.
    this.#failures++;
    logger.info(
      { securityVersion: next.version.toString(), announced: this.#announced.toString() },
      'security state older than announced; asking again',
    );
    this.#retryLater();
  }

  #retryLater(): void {
    if (this.#closed) return;
    const { initial, max } = this.#options.retryMs ?? SECURITY_STATE_RETRY_MS;
    const delayMs = Math.min(max, initial * 2 ** Math.min(this.#failures - 1, 20));
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#copySoon();
    }, delayMs);
    this.#retryTimer.unref();
  }
}
