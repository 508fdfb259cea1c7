import type { v1 } from '@fjord/protocol';
import { alterPartition } from './alter-partition.js';
import { alterTopicConfigs } from './alter-topic-configs.js';
import { brokerHeartbeat } from './broker-heartbeat.js';
import { controlledShutdown } from './controlled-shutdown.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import { electLeaders } from './elect-leaders.js';
import { registerBroker } from './register-broker.js';
import { describeCluster, describeTopics, getMetadata, listTopics } from './topic-queries.js';
import { unaryHandler } from './unary-handler.js';

/** The CoordinatorService implementation: each RPC delegates to its handler module. */
export function coordinatorServiceHandlers(ctx: CoordinatorContext): v1.CoordinatorServiceHandlers {
  const { logger } = ctx;
  return {
    RegisterBroker: unaryHandler(logger, 'RegisterBroker', (req: v1.RegisterBrokerRequest__Output) =>
      registerBroker(ctx, req),
    ),
    BrokerHeartbeat: unaryHandler(logger, 'BrokerHeartbeat', (req: v1.BrokerHeartbeatRequest__Output) =>
      brokerHeartbeat(ctx, req),
    ),
    GetMetadata: unaryHandler(logger, 'GetMetadata', (req: v1.GetMetadataRequest__Output) =>
      getMetadata(ctx, req),
    ),
    CreateTopics: unaryHandler(logger, 'CreateTopics', (req: v1.CreateTopicsRequest__Output) =>
      createTopics(ctx, req),
    ),
    DeleteTopics: unaryHandler(logger, 'DeleteTopics', (req: v1.DeleteTopicsRequest__Output) =>
      deleteTopics(ctx, req),
    ),
    ListTopics: unaryHandler(logger, 'ListTopics', () => listTopics(ctx)),
    DescribeTopics: unaryHandler(logger, 'DescribeTopics', (req: v1.DescribeTopicsRequest__Output) =>
      describeTopics(ctx, req),
    ),
    AlterTopicConfigs: unaryHandler(logger, 'AlterTopicConfigs', (req: v1.AlterTopicConfigsRequest__Output) =>
      alterTopicConfigs(ctx, req),
    ),
    DescribeCluster: unaryHandler(logger, 'DescribeCluster', () => describeCluster(ctx)),
    AlterPartition: unaryHandler(logger, 'AlterPartition', (req: v1.AlterPartitionRequest__Output) =>
      alterPartition(ctx, req),
    ),
    ControlledShutdown: unaryHandler(
      logger,
      'ControlledShutdown',
      (req: v1.ControlledShutdownRequest__Output) => controlledShutdown(ctx, req),
    ),
    ElectLeaders: unaryHandler(logger, 'ElectLeaders', (req: v1.ElectLeadersRequest__Output) =>
      electLeaders(ctx, req),
    ),
  };
}
