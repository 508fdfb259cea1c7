import { apply } from '../metadata/apply.js';
import type { MetadataRecord } from '../metadata/records.js';
import { emptyState, type MetadataState } from '../metadata/state.js';
import type { RaftStateMachine } from './raft-node.js';

/** One Raft entry's command: the records of one proposal, applied together or not at all. */
export type MetadataCommand = MetadataRecord[];

/** What a metadata snapshot holds: the state and the metadata offset it is at. */
export interface MetadataSnapshotData {
  metadataVersion: number;
  state: MetadataState;
}

/**
 * The coordinator's metadata state machine (apply.ts, unchanged) driven by Raft. Records keep
 * the metadata offsets they have today: each record applied takes the next one, whatever
 * entry it came in, so `metadataVersion` is the same on every voter at the same Raft index.
 */
export class MetadataStateMachine implements RaftStateMachine<MetadataCommand> {
  private current: MetadataState = emptyState();
  private version = -1;

  /** The state after the last applied entry (treat as read-only). */
  get state(): MetadataState {
    return this.current;
  }

  /** Offset of the last applied record, -1 before the first. */
  get metadataVersion(): number {
    return this.version;
  }

  apply(_index: number, records: MetadataCommand): void {
    for (const record of records) {
      this.current = apply(this.current, record);
      this.version++;
    }
  }

  snapshot(): MetadataSnapshotData {
    return { metadataVersion: this.version, state: this.current };
  }

  restore(data: unknown): void {
    const snapshot = data as MetadataSnapshotData;
    this.current = snapshot.state;
    this.version = snapshot.metadataVersion;
  }
}
