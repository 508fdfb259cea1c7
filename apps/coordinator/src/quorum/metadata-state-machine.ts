import { apply } from '../metadata/apply.js';
import type { MetadataRecord } from '../metadata/records.js';
import { SECURITY_RECORD_TYPES } from '../metadata/security-records.js';
import { decodeSecurity, encodeSecurity, type SecuritySnapshot } from '../metadata/security-state.js';
import { emptyState, type MetadataState } from '../metadata/state.js';
import type { RaftStateMachine } from './raft-node.js';

/** One Raft entry's command: the records of one proposal, applied together or not at all. */
export type MetadataCommand = MetadataRecord[];

/** What a metadata snapshot holds: the state (JSON only) and the metadata offset it is at. */
export interface MetadataSnapshotData {
  metadataVersion: number;
  /** Offset of the last security record; absent in snapshots from before security (0). */
  securityVersion?: number;
  state: Omit<MetadataState, 'security'> & { security?: SecuritySnapshot };
}

/**
 * The security version before any ACL, credential or broker binding: offset 0 is always the
 * InitCluster record, so no security record can be there.
 */
export const NO_SECURITY_VERSION = 0;

/**
 * The coordinator's metadata state machine (apply.ts, unchanged) driven by Raft. Records keep
 * the metadata offsets they have today: each record applied takes the next one, whatever
 * entry it came in, so `metadataVersion` is the same on every voter at the same Raft index.
 */
export class MetadataStateMachine implements RaftStateMachine<MetadataCommand> {
  private current: MetadataState = emptyState();
  private version = -1;
  private lastSecurityChange = NO_SECURITY_VERSION;

  /** The state after the last applied entry (treat as read-only). */
  get state(): MetadataState {
    return this.current;
  }

  /** Offset of the last applied record, -1 before the first. */
  get metadataVersion(): number {
    return this.version;
  }

  /**
   * Offset of the last ACL, SCRAM-credential or broker-principal record applied
   * ({@link NO_SECURITY_VERSION} before the first): what heartbeat answers carry, so brokers
   * know when to fetch the security state again.
   */
  get securityVersion(): number {
    return this.lastSecurityChange;
  }

  apply(_index: number, records: MetadataCommand): void {
    for (const record of records) {
      this.current = apply(this.current, record);
      this.version++;
      if (SECURITY_RECORD_TYPES.has(record.type)) this.lastSecurityChange = this.version;
    }
  }

  snapshot(): MetadataSnapshotData {
    const { security, ...rest } = this.current;
    return {
      metadataVersion: this.version,
      securityVersion: this.lastSecurityChange,
      state: security === undefined ? rest : { ...rest, security: encodeSecurity(security) },
    };
  }

  restore(data: unknown): void {
    const snapshot = data as MetadataSnapshotData;
    const { security, ...rest } = snapshot.state;
    this.current = security === undefined ? rest : { ...rest, security: decodeSecurity(security) };
    this.version = snapshot.metadataVersion;
    this.lastSecurityChange = snapshot.securityVersion ?? NO_SECURITY_VERSION;
  }
}
