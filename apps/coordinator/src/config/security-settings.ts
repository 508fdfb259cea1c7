import { int } from '@fjord/server-kit';
import { z } from 'zod';

// The authorizer settings of the security contract (issue #13). The contract defines them once
// in @fjord/server-kit's security fragment; until that fragment exists the coordinator declares
// the same names here, to be replaced by it.

/** `--authorizer none|standard`. */
export const authorizerSetting = z
  .enum(['none', 'standard'])
  .default('none')
  .describe(
    "none: every call allowed (ACL calls answer SECURITY_DISABLED); standard: Kafka's StandardAuthorizer",
  );

/** `--super-users 'User:admin;User:broker-1'`. */
export const superUsersSetting = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const users = text
      .split(';')
      .map((user) => user.trim())
      .filter((user) => user.length > 0);
    for (const user of users) {
      if (!/^[^:]+:.+$/.test(user)) ctx.addIssue({ code: 'custom', message: `'${user}' is not Type:name` });
    }
    return users;
  })
  .describe('principals allowed everything, semicolon-separated (User:admin;User:broker-1)');

/** `--allow-everyone-if-no-acl-found`. */
export const allowEveryoneSetting = z
  .enum(['true', 'false'])
  .default('false')
  .transform((value) => value === 'true')
  .describe('allow a call on a resource no ACL names (Kafka allow.everyone.if.no.acl.found)');

/**
 * What one principal may make the coordinator keep (issue #13, limits): past a bound the
 * request is refused with THROTTLING_QUOTA_EXCEEDED. The defaults are far above what a
 * cluster of today's tests uses. (Broker registrations need no setting: with an authorizer a
 * principal holds at most one broker id, see register-broker.ts.)
 */
export const PRINCIPAL_BOUND_SETTINGS = {
  maxGroupsPerPrincipal: int(1, 100_000_000)
    .default(10_000)
    .describe('consumer groups one principal may create (counted while they exist)'),
  maxGroupMembersPerPrincipal: int(1, 100_000_000)
    .default(100_000)
    .describe('group members one principal may have joined at once, over all groups'),
  maxProducerIdsPerPrincipalPerMinute: int(1, 100_000_000)
    .default(100_000)
    .describe('producer ids one principal may be given per minute'),
};
