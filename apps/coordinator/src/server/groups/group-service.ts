import type { v1 } from '@fjord/protocol';
import { callCancellation, unaryHandlers } from '@fjord/server-kit';
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
/** The GroupCoordinatorService implementation: each RPC delegates to its handler module. */
export function groupServiceHandlers(ctx: GroupContext): v1.GroupCoordinatorServiceHandlers {
  return unaryHandlers<v1.GroupCoordinatorServiceHandlers>(ctx.logger, {
    ConsumerGroupHeartbeat: (request, call) => consumerGroupHeartbeat(ctx, request, callCancellation(call)),
    OffsetCommit: (request) => offsetCommit(ctx, request),
    OffsetFetch: (request) => offsetFetch(ctx, request),
    ListGroups: () => listGroups(ctx),
    DescribeGroup: (request) => describeGroup(ctx, request),
    ResetGroupOffsets: (request) => resetGroupOffsets(ctx, request),
    DeleteGroup: (request) => deleteGroup(ctx, request),
    JoinGroup: (request) => joinGroup(ctx, request),
    SyncGroup: (request) => syncGroup(ctx, request),
    Heartbeat: (request) => classicHeartbeat(ctx, request),
    LeaveGroup: (request) => leaveGroup(ctx, request),
    ClassicOffsetCommit: (request) => classicOffsetCommit(ctx, request),
  });
}
