import type { v1 } from '@fjord/protocol';
import type { GroupContext } from '../../groups/group-context.js';
import { unaryHandler } from '../unary-handler.js';
import { consumerGroupHeartbeat } from './consumer-group-heartbeat.js';
import { deleteGroup, describeGroup, listGroups, resetGroupOffsets } from './group-admin.js';
import { offsetCommit } from './offset-commit.js';
import { offsetFetch } from './offset-fetch.js';

/** The GroupCoordinatorService implementation: each RPC delegates to its handler module. */
export function groupServiceHandlers(ctx: GroupContext): v1.GroupCoordinatorServiceHandlers {
  const { logger } = ctx;
  return {
    ConsumerGroupHeartbeat: unaryHandler(
      logger,
      'ConsumerGroupHeartbeat',
      (req: v1.ConsumerGroupHeartbeatRequest__Output) => consumerGroupHeartbeat(ctx, req),
    ),
    OffsetCommit: unaryHandler(logger, 'OffsetCommit', (req: v1.OffsetCommitRequest__Output) =>
      offsetCommit(ctx, req),
    ),
    OffsetFetch: unaryHandler(logger, 'OffsetFetch', (req: v1.OffsetFetchRequest__Output) =>
      offsetFetch(ctx, req),
    ),
    ListGroups: unaryHandler(logger, 'ListGroups', () => listGroups(ctx)),
    DescribeGroup: unaryHandler(logger, 'DescribeGroup', (req: v1.DescribeGroupRequest__Output) =>
      describeGroup(ctx, req),
    ),
    ResetGroupOffsets: unaryHandler(logger, 'ResetGroupOffsets', (req: v1.ResetGroupOffsetsRequest__Output) =>
      resetGroupOffsets(ctx, req),
    ),
    DeleteGroup: unaryHandler(logger, 'DeleteGroup', (req: v1.DeleteGroupRequest__Output) =>
      deleteGroup(ctx, req),
    ),
  };
}
