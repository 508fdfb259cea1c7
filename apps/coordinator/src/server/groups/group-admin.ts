import { ErrorCode, type v1 } from '@fjord/protocol';
import type { GroupContext } from '../../groups/group-context.js';
import { groupById, groupsOf } from '../../metadata/group-records.js';
import { groupStateName } from '../../metadata/group-state.js';
import { metadataRecord } from '../../metadata/records.js';
import { topicIdByName } from '../../metadata/state.js';
import { classicListing, describeClassicGroup } from './classic-group-views.js';
import { offsetsFromWire } from './offset-commit.js';
import { assignmentToWire } from './wire.js';

const INVALID_GROUP = {
  errorCode: ErrorCode.INVALID_GROUP_ID,
  errorMessage: 'the group id must not be empty',
};
const notFound = (groupId: string) => ({
  errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
  errorMessage: `group "${groupId}" does not exist`,
});

/** ListGroups: every group, sorted by id. */
export function listGroups(ctx: GroupContext): v1.ListGroupsResponse {
  const groups = Object.values(groupsOf(ctx.store.state)).sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  return {
    groups: groups.map((g) =>
      g.protocol === 'classic'
        ? classicListing(g.groupId, ctx.classic.get(g.groupId))
        : {
            groupId: g.groupId,
            state: groupStateName(g),
            members: Object.keys(g.members).length,
            protocol: 'consumer',
          },
    ),
  };
}

/** DescribeGroup: state, epochs, assignor, members with current and target assignments. */
export function describeGroup(
  ctx: GroupContext,
  req: v1.DescribeGroupRequest__Output,
): v1.DescribeGroupResponse {
  if (req.groupId.trim() === '') return { ...INVALID_GROUP, members: [] };
  const group = groupById(ctx.store.state, req.groupId);
  if (!group) return { ...notFound(req.groupId), members: [] };
  if (group.protocol === 'classic')
    return describeClassicGroup(group.groupId, ctx.classic.get(group.groupId), ctx.store.state);
  return {
    protocol: 'consumer',
    errorCode: ErrorCode.NONE,
    errorMessage: '',
    groupId: group.groupId,
    state: groupStateName(group),
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    assignor: group.assignor,
    members: Object.values(group.members)
      .sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
      .map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId ?? '',
        memberEpoch: m.memberEpoch,
        subscribedTopicNames: m.subscribedTopics,
        subscribedTopicRegex: m.subscribedRegex ?? '',
        assignment: assignmentToWire(m.assigned, ctx.store.state),
        targetAssignment: assignmentToWire(group.target[m.memberId] ?? {}, ctx.store.state),
      })),
  };
}

/** ResetGroupOffsets: admin sets offsets (backwards too); refused while the group has members. */
export async function resetGroupOffsets(
  ctx: GroupContext,
  req: v1.ResetGroupOffsetsRequest__Output,
): Promise<v1.ResetGroupOffsetsResponse> {
  if (req.groupId.trim() === '') return INVALID_GROUP;
  const offsets = offsetsFromWire(req.topics);
  const negative = offsets.find((o) => o.offset < 0n);
  if (negative) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `offset of ${negative.topic}:${negative.partition} must be >= 0`,
    };
  }
  const result = await ctx.store.propose((proposal) => {
    const group = groupById(proposal.state, req.groupId);
    if (!group) return notFound(req.groupId);
    const members = Object.keys(group.members).length;
    if (members > 0) {
      return {
        errorCode: ErrorCode.NON_EMPTY_GROUP,
        errorMessage: `group "${req.groupId}" has ${members} member(s): stop its consumers first`,
      };
    }
    const unknown = offsets.find((o) => topicIdByName(proposal.state, o.topic) === undefined);
    if (unknown) {
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `topic "${unknown.topic}" does not exist`,
      };
    }
    if (offsets.length > 0) {
      proposal.append(
        metadataRecord({
          type: 'GroupOffsetCommit',
          groupId: req.groupId,
          offsets: offsets.map((o) => ({ ...o, offset: o.offset.toString() })),
        }),
      );
    }
    return { errorCode: ErrorCode.NONE, errorMessage: '' };
  });
  if (result.errorCode === ErrorCode.NONE) ctx.logger.info({ groupId: req.groupId }, 'group offsets reset');
  return result;
}

/** DeleteGroup: removes an empty group and its offsets. */
export async function deleteGroup(
  ctx: GroupContext,
  req: v1.DeleteGroupRequest__Output,
): Promise<v1.DeleteGroupResponse> {
  if (req.groupId.trim() === '') return INVALID_GROUP;
  return ctx.store.propose((proposal) => {
    const group = groupById(proposal.state, req.groupId);
    if (!group) return notFound(req.groupId);
    const members = Object.keys(group.members).length;
    if (members > 0) {
      return {
        errorCode: ErrorCode.NON_EMPTY_GROUP,
        errorMessage: `group "${req.groupId}" has ${members} member(s): stop its consumers first`,
      };
    }
    proposal.append(metadataRecord({ type: 'GroupDelete', groupId: req.groupId }));
    return { errorCode: ErrorCode.NONE, errorMessage: '' };
  });
}
