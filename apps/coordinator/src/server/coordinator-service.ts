import type { v1 } from '@fjord/protocol';
import { listenerOfCall, unaryHandlers } from '@fjord/server-kit';
import { alterPartition } from './alter-partition.js';
import { alterTopicConfigs } from './alter-topic-configs.js';
import { brokerHeartbeat } from './broker-heartbeat.js';
import { principalOfCall } from './caller.js';
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
    RegisterBroker: (request, call) => registerBroker(ctx, request, principalOfCall(call)),
    BrokerHeartbeat: (request, call) =>
      brokerHeartbeat(ctx, request, listenerOfCall(call), principalOfCall(call)),
    GetMetadata: (request, call) => getMetadata(ctx, request, listenerOfCall(call)),
    CreateTopics: (request) => createTopics(ctx, request),
    DeleteTopics: (request) => deleteTopics(ctx, request),
    ListTopics: () => listTopics(ctx),
    DescribeTopics: (request) => describeTopics(ctx, request),
    AlterTopicConfigs: (request) => alterTopicConfigs(ctx, request),
    DescribeCluster: (_request, call) => describeCluster(ctx, listenerOfCall(call)),
    AlterPartition: (request, call) => alterPartition(ctx, request, principalOfCall(call)),
    ControlledShutdown: (request, call) => controlledShutdown(ctx, request, principalOfCall(call)),
    ElectLeaders: (request) => electLeaders(ctx, request),
    DescribeQuorum: () => describeQuorum(ctx),
  });
}
