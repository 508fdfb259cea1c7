import type { v1 } from '@fjord/protocol';
import { unaryHandlers } from '@fjord/server-kit';
import type { CoordinatorContext } from '../coordinator-context.js';
import { createAcls, deleteAcls, describeAcls } from './acl-handlers.js';
import { describeSecurityState } from './describe-security-state.js';
import { alterUserScramCredentials, describeUserScramCredentials } from './scram-handlers.js';

/** The SecurityService implementation (security.proto), served by the quorum leader. */
export function securityServiceHandlers(ctx: CoordinatorContext): v1.SecurityServiceHandlers {
  return unaryHandlers<v1.SecurityServiceHandlers>(ctx.logger, {
    CreateAcls: (request) => createAcls(ctx, request),
    DescribeAcls: (request) => describeAcls(ctx, request),
    DeleteAcls: (request) => deleteAcls(ctx, request),
    AlterUserScramCredentials: (request) => alterUserScramCredentials(ctx, request),
    DescribeUserScramCredentials: (request) => describeUserScramCredentials(ctx, request),
    DescribeSecurityState: () => describeSecurityState(ctx),
  });
}
