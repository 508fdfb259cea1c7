import { int } from '@fjord/server-kit';

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
