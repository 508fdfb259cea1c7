import type { MetadataRecord } from './records.js';
import type { MetadataState } from './state.js';

/** How a proposal's append ended: committed (and applied here), or not (the error says why). */
export type AppendOutcome = { ok: true } | { ok: false; error: Error };

/**
 * This coordinator's copy of the replicated metadata log (a Raft voter, quorum/): the state
 * every committed record leads to, applied in log order by the unchanged `apply`, and the way
 * to append while this voter leads. The {@link MetadataStore} plans proposals over it.
 */
export interface MetadataReplica {
  /** The state after the last applied record (treat as read-only). */
  readonly state: MetadataState;
  /** Offset of the last applied record, -1 before the first: the metadata version. */
  readonly metadataVersion: number;
  /** Offset of the last ACL, SCRAM-credential or broker-principal record applied (0: none yet). */
  readonly securityVersion: number;
  /**
   * True while this voter leads and its state holds everything any leader committed (its own
   * term's first entry committed, its read lease holds): it may plan proposals and serve reads.
   */
  isReadyLeader(): boolean;
  /**
   * Appends `records` as one entry, applied together or not at all. `done` runs synchronously
   * in log order, right after the entry is committed on a majority and applied here (the
   * state includes it then), or with an error when this voter does not lead or steps down
   * first (the entry may still commit under the next leader).
   */
  append(records: readonly MetadataRecord[], done: (outcome: AppendOutcome) => void): void;
  /** The error a proposal gets when this voter is not a ready leader. */
  notLeaderError(): Error;
}
