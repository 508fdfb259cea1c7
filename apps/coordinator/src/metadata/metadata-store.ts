import type { MetadataReplica } from './metadata-replica.js';
import { Proposal } from './proposal.js';
import type { MetadataState } from './state.js';

/** A proposal whose entry is not committed yet. */
interface InFlight {
  proposal: Proposal;
  settled: Promise<void>;
}

/**
 * The coordinator's metadata: the state of the replicated metadata log, and the one way to
 * change it, {@link MetadataStore.propose}. Proposals are planned one at a time, in arrival
 * order, each against the state every earlier proposal leads to (committed or not), so
 * concurrent RPCs never interleave their check-then-append steps. Each proposal is one log
 * entry; the entries are pipelined (each is sent to the followers as soon as it is planned)
 * and the storage group-commits them (entries appended while an fsync is in flight share the
 * next one), so a group heartbeat does not wait behind unrelated proposals one by one.
 *
 * Only the leader plans: on any other voter, or on a leader whose state is not yet known to be
 * complete, a proposal fails at once with the replica's not-leader error.
 */
export class MetadataStore {
  /** Proposals appended and not yet committed or failed, in log order. */
  private inFlight: InFlight[] = [];

  /**
   * @param replica This voter's copy of the log.
   * @param closeReplica Stops the voter and closes its storage (once every proposal settled).
   */
  constructor(
    readonly replica: MetadataReplica,
    private readonly closeReplica: () => Promise<void>,
  ) {}

  /** The state of the committed log as applied here (treat as read-only). */
  get state(): MetadataState {
    return this.replica.state;
  }

  /** The metadata version: offset of the last applied record, -1 before the first. */
  get metadataVersion(): number {
    return this.replica.metadataVersion;
  }

  /** Offset of the last ACL, SCRAM-credential or broker-principal change (0: none yet). */
  get securityVersion(): number {
    return this.replica.securityVersion;
  }

  /** True while this coordinator leads the quorum and may plan proposals and serve reads. */
  get leading(): boolean {
    return this.replica.isReadyLeader();
  }

  /**
   * Runs `plan` at once against the state every earlier proposal leads to, then resolves with
   * what it returned once its records are committed on a majority of the quorum and applied
   * here (after its commit hooks ran). A proposal without records resolves once every earlier
   * one has. If `plan` throws, its records are dropped and nothing changes. If the entry
   * cannot commit here (this voter steps down first), it and every proposal planned after it
   * fail with the replica's not-leader error: their outcome is unknown (the next leader may
   * still commit them), so a retry must check the state first, as every plan does.
   */
  propose<T>(plan: (proposal: Proposal) => T): Promise<T> {
    if (!this.replica.isReadyLeader()) return Promise.reject(this.replica.notLeaderError());
    const last = this.inFlight[this.inFlight.length - 1];
    const proposal = last
      ? new Proposal(last.proposal.state, last.proposal.nextOffset)
      : new Proposal(this.replica.state, this.replica.metadataVersion + 1);
    let result: T;
    try {
      result = plan(proposal);
    } catch (error) {
      return Promise.reject(error);
    }
    if (proposal.records.length === 0) {
      return last ? last.settled.then(() => result) : Promise.resolve(result);
    }
    let settle!: (error?: Error) => void;
    const settled = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    // Settled either way before anyone awaits it: an unobserved failure is not "unhandled".
    settled.catch(() => undefined);
    const entry: InFlight = { proposal, settled };
    this.inFlight.push(entry);
    this.replica.append(proposal.records, (outcome) => {
      const index = this.inFlight.indexOf(entry);
      if (index >= 0) this.inFlight.splice(index, 1);
      if (outcome.ok) {
        proposal.runCommitHooks();
        settle();
      } else {
        settle(outcome.error);
      }
    });
    return settled.then(() => result);
  }

  /** Waits for every proposal in flight to settle, then stops the voter and closes its storage. */
  async close(): Promise<void> {
    await Promise.allSettled(this.inFlight.map((f) => f.settled));
    await this.closeReplica();
  }
}
