import {
  type AclBinding,
  type AclOperation,
  type AclPermission,
  aclKey,
  type PatternType,
  type ResourceType,
  type ScramCredentialRecord,
} from '@fjord/security';
import { type SecurityState, securityOf } from './security-state.js';
import type { MetadataState } from './state.js';

/** The fields of one ACL as Kafka's AccessControlEntryRecord spells them. */
export interface AclFields {
  resourceType: ResourceType;
  resourceName: string;
  patternType: PatternType;
  principal: string;
  host: string;
  operation: AclOperation;
  permissionType: AclPermission;
}

/** An ACL was created (Kafka's AccessControlEntryRecord; the binding itself is its identity). */
export interface AccessControlEntryRecord extends AclFields {
  v: 1;
  type: 'AccessControlEntry';
}

/** An ACL was deleted (Kafka's RemoveAccessControlEntryRecord). */
export interface RemoveAccessControlEntryRecord extends AclFields {
  v: 1;
  type: 'RemoveAccessControlEntry';
}

/**
 * A user's SCRAM credential for one mechanism was set or replaced (Kafka's
 * UserScramCredentialRecord): salt, StoredKey and ServerKey in base64, never a password.
 */
export interface UserScramCredentialRecord extends ScramCredentialRecord {
  v: 1;
  type: 'UserScramCredential';
}

/** A user's SCRAM credential for one mechanism was deleted (Kafka's RemoveUserScramCredentialRecord). */
export interface RemoveUserScramCredentialRecord {
  v: 1;
  type: 'RemoveUserScramCredential';
  user: string;
  mechanism: string;
}

/**
 * The first registration of a broker id bound it to the registering principal: from then on
 * only that principal may act for the id (Fjord's rule; Kafka has none).
 */
export interface BrokerPrincipalRecord {
  v: 1;
  type: 'BrokerPrincipal';
  brokerId: number;
  principal: string;
}

export type SecurityRecord =
  | AccessControlEntryRecord
  | RemoveAccessControlEntryRecord
  | UserScramCredentialRecord
  | RemoveUserScramCredentialRecord
  | BrokerPrincipalRecord;

/** The record types that change the security state (and so move `securityVersion`). */
export const SECURITY_RECORD_TYPES: ReadonlySet<string> = new Set<SecurityRecord['type']>([
  'AccessControlEntry',
  'RemoveAccessControlEntry',
  'UserScramCredential',
  'RemoveUserScramCredential',
  'BrokerPrincipal',
]);

/** The binding an ACL record stands for. */
export function aclBindingOf(fields: AclFields): AclBinding {
  return {
    pattern: {
      resourceType: fields.resourceType,
      name: fields.resourceName,
      patternType: fields.patternType,
    },
    entry: {
      principal: fields.principal,
      host: fields.host,
      operation: fields.operation,
      permission: fields.permissionType,
    },
  };
}

/** The record fields of a binding. */
export function aclFieldsOf(binding: AclBinding): AclFields {
  const { pattern, entry } = binding;
  return {
    resourceType: pattern.resourceType,
    resourceName: pattern.name,
    patternType: pattern.patternType,
    principal: entry.principal,
    host: entry.host,
    operation: entry.operation,
    permissionType: entry.permission,
  };
}

/**
 * Applies a security record (part of the metadata state machine, see apply.ts). Pure: the
 * planner checked everything (validity, existence) before appending, so a record that does not
 * fit means a corrupt or reordered log; `inconsistent` builds that error.
 */
export function applySecurityRecord(
  state: MetadataState,
  record: SecurityRecord,
  inconsistent: (reason: string) => Error,
): MetadataState {
  const security = securityOf(state);
  const next = (changed: Partial<SecurityState>): MetadataState => ({
    ...state,
    security: { ...security, ...changed },
  });
  switch (record.type) {
    case 'AccessControlEntry':
    case 'RemoveAccessControlEntry': {
      const binding = aclBindingOf(record);
      const key = aclKey(binding);
      const acls = new Map(security.acls);
      if (record.type === 'AccessControlEntry') {
        if (acls.has(key)) throw inconsistent('the ACL already exists');
        acls.set(key, binding);
      } else if (!acls.delete(key)) {
        throw inconsistent('the ACL does not exist');
      }
      return next({ acls });
    }
    case 'UserScramCredential': {
      const { v: _v, type: _type, ...credential } = record;
      const scramCredentials = new Map(security.scramCredentials);
      const byMechanism = new Map(scramCredentials.get(record.user));
      byMechanism.set(record.mechanism, credential);
      scramCredentials.set(record.user, byMechanism);
      return next({ scramCredentials });
    }
    case 'RemoveUserScramCredential': {
      const byMechanism = new Map(security.scramCredentials.get(record.user));
      if (!byMechanism.delete(record.mechanism)) {
        throw inconsistent(`user '${record.user}' has no ${record.mechanism} credential`);
      }
      const scramCredentials = new Map(security.scramCredentials);
      if (byMechanism.size === 0) scramCredentials.delete(record.user);
      else scramCredentials.set(record.user, byMechanism);
      return next({ scramCredentials });
    }
    case 'BrokerPrincipal': {
      const bound = security.brokerPrincipals.get(record.brokerId);
      if (bound !== undefined) throw inconsistent(`broker ${record.brokerId} is already bound to ${bound}`);
      const brokerPrincipals = new Map(security.brokerPrincipals);
      brokerPrincipals.set(record.brokerId, record.principal);
      return next({ brokerPrincipals });
    }
  }
}
