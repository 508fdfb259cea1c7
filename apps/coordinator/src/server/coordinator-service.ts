import type { v1 } from '@fjord/protocol';
import { listenerOfCall, unaryHandlers } from '@fjord/server-kit';
import { alterPartition } from './alter-partition.js';
import { alterTopicConfigs } from './alter-topic-configs.js';
import { brokerHeartbeat } from './broker-heartbeat.js';
import { controlledShutdown } from './controlled-shutdown.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import { describeQuorum } from './describe-quorum.js';
import { electLeaders } from './elect-leaders.js';
import { registerBroker } from './register-broker.js';
import { describeCluster, describeTopics, getMetadata, listTopics } from './topic-queries.js';
/** The CoordinatorService implementation: each RPC delegates to its handler module. */
export function coordinatorServiceHandlers(ctx: CoordinatorContext): v1.CoordinatorServiceHandlers {
  return unaryHandlers<v1.CoordinatorServiceHandlers>(ctx.logger, {
    RegisterBroker: (request) => registerBroker(ctx, request),
    BrokerHeartbeat: (request, call) => brokerHeartbeat(ctx, request, listenerOfCall(call)),
    GetMetadata: (request, call) => getMetadata(ctx, request, listenerOfCall(call)),
    CreateTopics: (request) => createTopics(ctx, request),
    DeleteTopics: (request) => deleteTopics(ctx, request),
    ListTopics: () => listTopics(ctx),
    DescribeTopics: (request) => describeTopics(ctx, request),
    AlterTopicConfigs: (request) => alterTopicConfigs(ctx, request),
    DescribeCluster: (_request, call) => describeCluster(ctx, listenerOfCall(call)),
    AlterPartition: (request) => alterPartition(ctx, request),
    ControlledShutdown: (request) => controlledShutdown(ctx, request),
    ElectLeaders: (request) => electLeaders(ctx, request),
    DescribeQuorum: () => describeQuorum(ctx),
  });
}
