import { type AclBinding, aclKey, type ScramCredentialRecord } from '@fjord/security';
import type { MetadataState } from './state.js';

/**
 * The security part of the metadata state: ACLs, SCRAM credentials and which principal each
 * broker id belongs to. Maps, not plain objects, because every key here comes from a client (a
 * user may be called `__proto__`). Immutable like the rest of the state: apply() copies the one
 * map a record changes. Snapshots hold it in {@link SecuritySnapshot} form (JSON has no Maps).
 */
export interface SecurityState {
  /** Every ACL by `aclKey`, in the order they were added. */
  readonly acls: ReadonlyMap<string, AclBinding>;
  /** Stored SCRAM credentials by user, then by mechanism name; never a password. */
  readonly scramCredentials: ReadonlyMap<string, ReadonlyMap<string, ScramCredentialRecord>>;
  /** The principal (`User:broker-1`) that first registered each broker id. */
  readonly brokerPrincipals: ReadonlyMap<number, string>;
}

/** {@link SecurityState} as a snapshot stores it: arrays in map order. */
export interface SecuritySnapshot {
  acls: AclBinding[];
  scramCredentials: ScramCredentialRecord[];
  brokerPrincipals: Array<{ brokerId: number; principal: string }>;
}

const EMPTY: SecurityState = Object.freeze({
  acls: new Map(),
  scramCredentials: new Map(),
  brokerPrincipals: new Map(),
});

/** The security state of a metadata state; states from before security have none (empty). */
export function securityOf(state: MetadataState): SecurityState {
  return state.security ?? EMPTY;
}

/** Whether an identical ACL is stored. */
export function hasAcl(security: SecurityState, binding: AclBinding): boolean {
  return security.acls.has(aclKey(binding));
}

/** The stored credential of `user` for `mechanism`, if any. */
export function scramCredentialOf(
  security: SecurityState,
  user: string,
  mechanism: string,
): ScramCredentialRecord | undefined {
  return security.scramCredentials.get(user)?.get(mechanism);
}

/** The snapshot form of a security state. */
export function encodeSecurity(security: SecurityState): SecuritySnapshot {
  return {
    acls: [...security.acls.values()],
    scramCredentials: [...security.scramCredentials.values()].flatMap((byMechanism) => [
      ...byMechanism.values(),
    ]),
    brokerPrincipals: [...security.brokerPrincipals].map(([brokerId, principal]) => ({
      brokerId,
      principal,
    })),
  };
}

/** The security state of a snapshot (the inverse of {@link encodeSecurity}). */
export function decodeSecurity(snapshot: SecuritySnapshot): SecurityState {
  const scramCredentials = new Map<string, Map<string, ScramCredentialRecord>>();
  for (const credential of snapshot.scramCredentials) {
    let byMechanism = scramCredentials.get(credential.user);
    if (!byMechanism) {
      byMechanism = new Map();
      scramCredentials.set(credential.user, byMechanism);
    }
    byMechanism.set(credential.mechanism, credential);
  }
  return {
    acls: new Map(snapshot.acls.map((binding) => [aclKey(binding), binding])),
    scramCredentials,
    brokerPrincipals: new Map(snapshot.brokerPrincipals.map((b) => [b.brokerId, b.principal])),
  };
}
