import type { v1 } from '@fjord/protocol';
import {
  type AclBinding,
  fromScramCredentialRecord,
  parseAclOperation,
  parseAclPermission,
  parsePatternType,
  parseResourceType,
  ScramCredentialStore,
  StandardAuthorizer,
  type StandardAuthorizerOptions,
} from '@fjord/security';

/**
 * One consistent copy of the cluster's security state, as the coordinator described it at
 * `version`: the ACLs (in an authorizer), the SCRAM credentials and the broker-id bindings.
 * Never changed once built; a newer state is a new snapshot swapped in whole.
 */
export interface SecuritySnapshot {
  readonly version: bigint;
  readonly authorizer: StandardAuthorizer;
  readonly credentials: ScramCredentialStore;
  /** Broker id by principal (`User:broker-1` → 1). */
  readonly brokerIds: ReadonlyMap<string, number>;
}

/**
 * Builds a snapshot from a DescribeSecurityState answer. Every ACL and credential is checked;
 * one that does not parse fails the whole snapshot (with a message naming it) rather than
 * being skipped: a dropped DENY would allow more than the cluster's ACLs do.
 */
export function securitySnapshot(
  state: v1.DescribeSecurityStateResponse__Output,
  authorizerOptions: StandardAuthorizerOptions,
): SecuritySnapshot {
  const authorizer = new StandardAuthorizer(authorizerOptions);
  const bindings = state.acls.map(aclBindingOf);
  authorizer.createAcls(bindings).forEach((result, i) => {
    if ('error' in result) throw new Error(`ACL ${i} of the security state: ${result.error}`);
  });
  const credentials = new ScramCredentialStore();
  for (const stored of state.credentials) {
    credentials.set(
      stored.user,
      fromScramCredentialRecord({
        user: stored.user,
        mechanism: stored.mechanism,
        iterations: stored.iterations,
        salt: stored.salt.toString('base64'),
        storedKey: stored.storedKey.toString('base64'),
        serverKey: stored.serverKey.toString('base64'),
      }),
    );
  }
  const brokerIds = new Map<string, number>();
  for (const { brokerId, principal } of state.brokerPrincipals) brokerIds.set(principal, brokerId);
  return { version: BigInt(state.securityVersion), authorizer, credentials, brokerIds };
}

function aclBindingOf(acl: v1.AclBinding__Output): AclBinding {
  return {
    pattern: {
      resourceType: parseResourceType(acl.resourceType),
      name: acl.resourceName,
      patternType: parsePatternType(acl.patternType),
    },
    entry: {
      principal: acl.principal,
      host: acl.host,
      operation: parseAclOperation(acl.operation),
      permission: parseAclPermission(acl.permission),
    },
  };
}
