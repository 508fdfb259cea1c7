/** The authorizer settings the coordinator's security state is built with. */
export interface AuthorizationSettings {
  /** `none`: every call allowed and ACL calls answer SECURITY_DISABLED; `standard`: Kafka's StandardAuthorizer. */
  readonly authorizer: 'none' | 'standard';
  /** `super.users`: principals allowed everything (`User:admin`). */
  readonly superUsers: readonly string[];
  /** `allow.everyone.if.no.acl.found`. */
  readonly allowEveryoneIfNoAclFound: boolean;
}
