import { ErrorCode, grpcRequestError, type v1 } from '@fjord/protocol';
import type { StandardAuthorizer } from '@fjord/security';
import {
  authorizationOfCall,
  callCancellation,
  InvalidRequestError,
  type RequestHandler,
  unaryHandlers,
} from '@fjord/server-kit';
import * as grpc from '@grpc/grpc-js';
import type { GroupContext } from '../../groups/group-context.js';
import type { PrincipalBounds } from '../../limits/principal-bounds.js';
import { groupById } from '../../metadata/group-records.js';
import { topicAccessOfCall } from '../access/topic-access.js';
import { principalOfCall } from '../caller.js';
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
/** What the group calls are checked against besides their own rules. */
export interface GroupServiceLimits {
  /** The current ACLs (undefined: `--authorizer none`). */
  readonly authorizer: () => StandardAuthorizer | undefined;
  /** What each principal may make the coordinator keep. */
  readonly bounds?: PrincipalBounds;
}

/**
 * Runs a join (a member without an id or epoch yet) under the caller's bounds on groups and
 * members, and records the member it got.
 */
async function boundedJoin<
  Req extends { groupId: string },
  Res extends { errorCode?: number; memberId?: string },
>(
  ctx: GroupContext,
  bounds: PrincipalBounds | undefined,
  principal: string,
  request: Req,
  join: () => Promise<Res>,
): Promise<Res> {
  if (!bounds) return join();
  const refusal = bounds.admitMember(principal, request.groupId);
  if (refusal) {
    throw grpcRequestError(grpc.status.RESOURCE_EXHAUSTED, refusal.errorCode, refusal.errorMessage);
  }
  const existed = groupById(ctx.store.state, request.groupId) !== undefined;
  const answer = await join();
  if ((answer.errorCode ?? 0) === ErrorCode.NONE && answer.memberId) {
    bounds.recordMember(principal, request.groupId, answer.memberId, !existed);
  }
  return answer;
}

export function groupServiceHandlers(
  ctx: GroupContext,
  limits: GroupServiceLimits = { authorizer: () => undefined },
): v1.GroupCoordinatorServiceHandlers {
  const topics = <Req, Res>(call: grpc.ServerUnaryCall<Req, Res>, operation: string) =>
    topicAccessOfCall(call, limits.authorizer(), operation);
  return unaryHandlers<v1.GroupCoordinatorServiceHandlers>(ctx.logger, {
    ConsumerGroupHeartbeat: refusingReservedIds((request, call) => {
      const heartbeat = () => consumerGroupHeartbeat(ctx, request, callCancellation(call));
      if (request.memberEpoch !== 0) return heartbeat();
      return boundedJoin(ctx, limits.bounds, principalOfCall(call), request, heartbeat);
    }),
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
    JoinGroup: refusingReservedIds((request, call) => {
      if (request.memberId !== '') return joinGroup(ctx, request);
      return boundedJoin(ctx, limits.bounds, principalOfCall(call), request, () => joinGroup(ctx, request));
    }),
    SyncGroup: refusingReservedIds((request) => syncGroup(ctx, request)),
    Heartbeat: refusingReservedIds((request) => classicHeartbeat(ctx, request)),
    LeaveGroup: refusingReservedIds((request) => leaveGroup(ctx, request)),
    ClassicOffsetCommit: refusingReservedIds((request, call) =>
      commitAllowedTopics(request, topics(call, 'read'), (allowed) => classicOffsetCommit(ctx, allowed)),
    ),
  });
}
