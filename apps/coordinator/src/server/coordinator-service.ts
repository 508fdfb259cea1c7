import type { v1 } from '@fjord/protocol';
import { listenerOfCall, unaryHandlers } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';
import { topicAccessOfCall } from './access/topic-access.js';
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
  const topics = <Req, Res>(call: grpc.ServerUnaryCall<Req, Res>, operation: string) =>
    topicAccessOfCall(call, ctx.security.authorizer(), operation);
  return unaryHandlers<v1.CoordinatorServiceHandlers>(ctx.logger, {
    RegisterBroker: (request, call) => registerBroker(ctx, request, principalOfCall(call)),
    BrokerHeartbeat: (request, call) =>
      brokerHeartbeat(ctx, request, listenerOfCall(call), principalOfCall(call)),
    GetMetadata: (request, call) => getMetadata(ctx, request, listenerOfCall(call), topics(call, 'describe')),
    CreateTopics: (request, call) => createTopics(ctx, request, topics(call, 'create')),
    DeleteTopics: (request, call) => deleteTopics(ctx, request, topics(call, 'delete')),
    ListTopics: (_request, call) => listTopics(ctx, topics(call, 'describe')),
    DescribeTopics: (request, call) => describeTopics(ctx, request, topics(call, 'describe')),
    AlterTopicConfigs: (request, call) =>
      alterTopicConfigs(ctx, request, topics(call, 'alter the configs of')),
    DescribeCluster: (_request, call) => describeCluster(ctx, listenerOfCall(call)),
    AlterPartition: (request, call) => alterPartition(ctx, request, principalOfCall(call)),
    ControlledShutdown: (request, call) => controlledShutdown(ctx, request, principalOfCall(call)),
    ElectLeaders: (request) => electLeaders(ctx, request),
    DescribeQuorum: (_request, call) => describeQuorum(ctx, listenerOfCall(call)),
  });
}
