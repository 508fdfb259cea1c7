import type { ScramCredentialLookup, StandardAuthorizer } from '@fjord/security';

/**
 * The broker's copy of the cluster's security state, as the Kafka listener reads it: the
 * contract's `SecurityStateSource` (issue #13), which the broker implements from the state it
 * fetches with DescribeSecurityState. Read on every request, so an ACL change applies to the
 * next request of an open connection, as in Kafka.
 */
export interface KafkaSecurityState {
  /** The current ACLs, or undefined when `--authorizer none` (then every request is allowed). */
  authorizer(): StandardAuthorizer | undefined;
  /** The stored SCRAM credential of a user for a mechanism (undefined: unknown user). */
  readonly scramCredential: ScramCredentialLookup;
  /** The broker id bound to this principal (`User:broker-1`), if any. */
  brokerIdOf(principal: string): number | undefined;
}

/** No security state: every request allowed, no SCRAM user known (a broker without `--authorizer`). */
export const OPEN_SECURITY_STATE: KafkaSecurityState = {
  authorizer: () => undefined,
  scramCredential: () => undefined,
  brokerIdOf: () => undefined,
};
