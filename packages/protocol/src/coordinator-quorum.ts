import type { CoordinatorFailure } from './coordinator-failure.js';

/** The part of a DescribeQuorum answer a client needs to find the leader. */
export interface QuorumView {
  /** The id of the coordinator that answered. */
  nodeId: number;
  /** The voter it believes leads, -1 when it knows none (an election is running). */
  leaderId: number;
  /** The Raft term of that belief (int64 as a decimal string, or a number). */
  term: string | number | bigint;
  voters: ReadonlyArray<{ id: number; address: string }>;
}

/** One failed attempt of a {@link CoordinatorQuorum.call}. */
export interface CoordinatorAttemptFailure {
  address: string;
  error: unknown;
  failure: CoordinatorFailure;
}

/** What a {@link CoordinatorQuorum} needs. */
export interface CoordinatorQuorumOptions {
  /** The coordinator addresses given by the user (host:port); one is enough, more survive its loss. */
  bootstrap: readonly string[];
  /**
   * Asks one coordinator for the quorum (DescribeQuorum). Optional: without it, the quorum
   * knows only the bootstrap addresses and the leaders named in NOT_COORDINATOR answers.
   */
  describe?: (address: string) => Promise<QuorumView>;
  /** Called when the address believed to lead changes (for logs); undefined = unknown. */
  onLeaderChange?: (leader: string | undefined, previous: string | undefined) => void;
}

/** How one {@link CoordinatorQuorum.call} classifies failures and reports running out. */
export interface CoordinatorCallOptions {
  /** Classifies a thrown error (see {@link CoordinatorFailure}). */
  classify: (error: unknown) => CoordinatorFailure;
  /**
   * Builds the error thrown when every known coordinator was tried without an answer from the
   * leader; receives each failure in order. Default: the last failure's error.
   */
  exhausted?: (failures: readonly CoordinatorAttemptFailure[]) => unknown;
}

/** Safety cap on how many coordinator addresses one client remembers (hints and voters). */
const MAX_KNOWN_ADDRESSES = 16;

/**
 * Finds and follows the leader of the coordinator quorum, for the SDK and for brokers alike.
 *
 * It starts from the bootstrap addresses and learns the other voters from DescribeQuorum, as
 * a Kafka client learns brokers from one bootstrap server. {@link call} sends a request to
 * the coordinator believed to lead; a NOT_COORDINATOR answer moves it to the leader named in
 * the answer, and an unreachable coordinator or an answer without a hint moves it to the next
 * known voter. Each address is tried at most once per call, so a call makes a bounded number
 * of attempts and never waits: when no leader answers (an election is running, or every voter
 * is down) it throws, and the caller's own retry loop backs off and calls again, within its
 * own deadline. Leadership beliefs never go back in time: a DescribeQuorum answer of a lower
 * term than one already seen is ignored.
 *
 * A coordinator that did not answer its last attempt (stopped, cut off, dead: each attempt
 * there costs the caller's whole deadline) is asked again only when another voter names it
 * leader, or when no other known coordinator answered the call at all. While the others answer
 * "no leader" (an election is running) a call then ends at once and the caller retries soon,
 * instead of waiting on the silent one for every retry until the election is over.
 */
export class CoordinatorQuorum {
  readonly #options: CoordinatorQuorumOptions;
  readonly #addresses: string[] = [];
  /** Addresses whose last attempt got no answer (unreachable); cleared by any answer. */
  readonly #silent = new Set<string>();
  #leader: string | undefined;
  #term = -1n;
  #discovered = false;
  #discovery: Promise<void> | undefined;

  /** Throws when `bootstrap` is empty. */
  constructor(options: CoordinatorQuorumOptions) {
    if (options.bootstrap.length === 0) throw new Error('at least one coordinator address is required');
    this.#options = options;
    for (const address of options.bootstrap) this.#remember(address);
  }

  /** The address believed to lead, undefined while unknown. */
  get leader(): string | undefined {
    return this.#leader;
  }

  /** Every coordinator address known: the bootstrap ones first, then the learned ones. */
  get addresses(): readonly string[] {
    return this.#addresses;
  }

  /** The highest Raft term seen in a DescribeQuorum answer (-1 before any). */
  get term(): bigint {
    return this.#term;
  }

  /**
   * Takes in a DescribeQuorum answer, received from `via` when given: remembers every voter's
   * address and, unless the answer is of an older term than one already seen, its leader.
   * Returns false for a stale answer. The coordinator that answered is reached at `via`, which
   * is kept instead of its advertised address: that one may not be reachable from here (a
   * proxy, a published container port), the address that answered is.
   */
  learn(view: QuorumView, via?: string): boolean {
    const term = BigInt(view.term);
    if (term < this.#term) return false;
    this.#term = term;
    const addressOf = (id: number) =>
      via !== undefined && id === view.nodeId
        ? via
        : view.voters.find((v) => v.id === id)?.address || undefined;
    for (const voter of view.voters) {
      const address = addressOf(voter.id);
      if (address) this.#remember(address);
    }
    this.#setLeader(view.leaderId >= 0 ? addressOf(view.leaderId) : undefined);
    return true;
  }

  /** Forgets the leader (e.g. after an answer known to be stale), so the next call looks again. */
  forgetLeader(): void {
    this.#setLeader(undefined);
  }

  /**
   * Runs `attempt` against the leader, following NOT_COORDINATOR hints and moving past
   * unreachable voters; see the class description for the bound. Failures classified `final`
   * are thrown at once, as they are.
   */
  async call<T>(attempt: (address: string) => Promise<T>, options: CoordinatorCallOptions): Promise<T> {
    if (!this.#discovered) await this.#discover();
    const tried = new Set<string>();
    const failures: CoordinatorAttemptFailure[] = [];
    let answered = false;
    const next = (): string | undefined =>
      this.#addresses.find((address) => !tried.has(address) && !this.#silent.has(address)) ??
      (answered ? undefined : this.#addresses.find((address) => !tried.has(address)));
    let target: string | undefined =
      this.#leader !== undefined && !this.#silent.has(this.#leader) ? this.#leader : next();
    while (target !== undefined) {
      tried.add(target);
      try {
        const response = await attempt(target);
        this.#silent.delete(target);
        this.#setLeader(target);
        return response;
      } catch (error) {
        const failure = options.classify(error);
        if (failure.kind === 'final') throw error;
        failures.push({ address: target, error, failure });
        if (failure.kind === 'unreachable') this.#silent.add(target);
        else {
          this.#silent.delete(target);
          answered = true;
        }
        if (this.#leader === target) this.#setLeader(undefined);
        const hint = failure.kind === 'not-coordinator' ? failure.leaderHint : undefined;
        if (hint !== undefined && !tried.has(hint)) {
          this.#remember(hint);
          this.#setLeader(hint);
          target = hint;
        } else {
          target = next();
        }
      }
    }
    // Nobody led: look at the quorum afresh on the next call (a voter may have been added, or
    // the leader elected since).
    this.#discovered = false;
    const last = failures.at(-1) as CoordinatorAttemptFailure;
    throw options.exhausted ? options.exhausted(failures) : last.error;
  }

  /** Asks the known coordinators in turn for the quorum until one answers; failures are ignored. */
  #discover(): Promise<void> {
    const { describe } = this.#options;
    if (!describe) {
      this.#discovered = true;
      return Promise.resolve();
    }
    this.#discovery ??= (async () => {
      const known = this.#leader ? [this.#leader, ...this.#addresses] : [...this.#addresses];
      // The silent ones last: asking them first would cost a whole deadline each.
      const candidates = [
        ...known.filter((address) => !this.#silent.has(address)),
        ...known.filter((address) => this.#silent.has(address)),
      ];
      for (const address of new Set(candidates)) {
        try {
          this.learn(await describe(address), address);
          break;
        } catch {
          // An unreachable voter, or a coordinator without DescribeQuorum: try the next one.
        }
      }
      this.#discovered = true;
    })().finally(() => {
      this.#discovery = undefined;
    });
    return this.#discovery;
  }

  #remember(address: string): void {
    if (!this.#addresses.includes(address) && this.#addresses.length < MAX_KNOWN_ADDRESSES) {
      this.#addresses.push(address);
    }
  }

  #setLeader(leader: string | undefined): void {
    if (leader === this.#leader) return;
    const previous = this.#leader;
    this.#leader = leader;
    this.#options.onLeaderChange?.(leader, previous);
  }
}
