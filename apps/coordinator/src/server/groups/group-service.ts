import type { v1 } from '@fjord/protocol';
import type { StandardAuthorizer } from '@fjord/security';
import {
  authorizationOfCall,
  callCancellation,
  InvalidRequestError,
  type RequestHandler,
  unaryHandlers,
} from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';
import type { GroupContext } from '../../groups/group-context.js';
import { topicAccessOfCall } from '../access/topic-access.js';
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
import { commitAllowedTopics, withoutHiddenTopics } from './topic-denials.js';

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
export function groupServiceHandlers(
  ctx: GroupContext,
  authorizer: () => StandardAuthorizer | undefined = () => undefined,
): v1.GroupCoordinatorServiceHandlers {
  const topics = <Req, Res>(call: grpc.ServerUnaryCall<Req, Res>, operation: string) =>
    topicAccessOfCall(call, authorizer(), operation);
  return unaryHandlers<v1.GroupCoordinatorServiceHandlers>(ctx.logger, {
    ConsumerGroupHeartbeat: refusingReservedIds((request, call) =>
      consumerGroupHeartbeat(ctx, request, callCancellation(call)),
    ),
    OffsetCommit: refusingReservedIds((request, call) =>
      commitAllowedTopics(request, topics(call, 'read'), (allowed) => offsetCommit(ctx, allowed)),
    ),
    OffsetFetch: refusingReservedIds((request, call) =>
      withoutHiddenTopics(offsetFetch(ctx, request), topics(call, 'describe')),
    ),
    ListGroups: (_request, call) => {
      const { mayList } = authorizationOfCall(call);
      const answer = listGroups(ctx);
      return { groups: (answer.groups ?? []).filter((g) => mayList('GROUP', g.groupId ?? '')) };
    },
    DescribeGroup: refusingReservedIds((request) => describeGroup(ctx, request)),
    ResetGroupOffsets: refusingReservedIds((request, call) => {
      const access = topics(call, 'read');
      const denied = request.topics.map((t) => access.denied(t.topic)).find((d) => d !== undefined);
      // Its answer has no per-topic slot: a denied topic refuses the reset, nothing is moved.
      return denied ?? resetGroupOffsets(ctx, request);
    }),
    DeleteGroup: refusingReservedIds((request) => deleteGroup(ctx, request)),
    JoinGroup: refusingReservedIds((request) => joinGroup(ctx, request)),
    SyncGroup: refusingReservedIds((request) => syncGroup(ctx, request)),
    Heartbeat: refusingReservedIds((request) => classicHeartbeat(ctx, request)),
    LeaveGroup: refusingReservedIds((request) => leaveGroup(ctx, request)),
    ClassicOffsetCommit: refusingReservedIds((request, call) =>
      commitAllowedTopics(request, topics(call, 'read'), (allowed) => classicOffsetCommit(ctx, allowed)),
    ),
  });
}
