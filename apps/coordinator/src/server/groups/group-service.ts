import type { v1 } from '@fjord/protocol';
import { callCancellation, InvalidRequestError, type RequestHandler, unaryHandlers } from '@fjord/server-kit';
import type { GroupContext } from '../../groups/group-context.js';
import {
  classicHeartbeat,
  classicOffsetCommit,
  joinGroup,
  leaveGroup,
  syncGroup,
} from './classic-group-rpcs.js';
import { consumerGroupHeartbeat } from './consumer-group-heartbeat.js';
import { deleteGroup, describeGroup, listGroups, resetGroupOffsets } from './group-admin.js';
import { offsetCommit } from './offset-commit.js';
import { offsetFetch } from './offset-fetch.js';
import { reservedIdProblem } from './reserved-ids.js';

/** A handler that first refuses reserved ids (see reservedIdProblem) with INVALID_REQUEST. */
function refusingReservedIds<Req, Res>(handle: RequestHandler<Req, Res>): RequestHandler<Req, Res> {
  return (request, call) => {
    const problem = reservedIdProblem(request);
    if (problem) throw new InvalidRequestError(problem);
    return handle(request, call);
  };
}
/**
 * The GroupCoordinatorService implementation: each RPC delegates to its handler module, after
 * refusing ids that name a member of Object.prototype (reserved-ids.ts).
 */
export function groupServiceHandlers(ctx: GroupContext): v1.GroupCoordinatorServiceHandlers {
  return unaryHandlers<v1.GroupCoordinatorServiceHandlers>(ctx.logger, {
    ConsumerGroupHeartbeat: refusingReservedIds((request, call) =>
      consumerGroupHeartbeat(ctx, request, callCancellation(call)),
    ),
    OffsetCommit: refusingReservedIds((request) => offsetCommit(ctx, request)),
    OffsetFetch: refusingReservedIds((request) => offsetFetch(ctx, request)),
    ListGroups: () => listGroups(ctx),
    DescribeGroup: refusingReservedIds((request) => describeGroup(ctx, request)),
    ResetGroupOffsets: refusingReservedIds((request) => resetGroupOffsets(ctx, request)),
    DeleteGroup: refusingReservedIds((request) => deleteGroup(ctx, request)),
    JoinGroup: refusingReservedIds((request) => joinGroup(ctx, request)),
    SyncGroup: refusingReservedIds((request) => syncGroup(ctx, request)),
    Heartbeat: refusingReservedIds((request) => classicHeartbeat(ctx, request)),
    LeaveGroup: refusingReservedIds((request) => leaveGroup(ctx, request)),
    ClassicOffsetCommit: refusingReservedIds((request) => classicOffsetCommit(ctx, request)),
  });
}
