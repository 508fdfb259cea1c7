import { ErrorCode, topicNameProblem, type v1 } from '@fjord/protocol';
import { type MetadataState, topicByName, topicsSortedByName } from '../metadata/state.js';
import { EVERY_TOPIC, type TopicAccess } from './access/topic-access.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { brokerInfos, topicError, topicInfo, underReplicatedPartitions } from './views.js';

/**
 * Describes the named topics (all topics, sorted by name, when `names` is empty), each name
 * once, in the order first named. As Kafka's Metadata does: a request naming one topic
 * thousands of times would otherwise be answered with thousands of full descriptions, a
 * few hundred KiB asking for many MiB (found by the gRPC fuzzer).
 */
export function describeTopicsByName(
  state: MetadataState,
  names: readonly string[],
  access: TopicAccess = EVERY_TOPIC,
): v1.TopicInfo[] {
  if (names.length === 0)
    return topicsSortedByName(state)
      .filter((topic) => access.mayList(topic.name))
      .map(topicInfo);
  return [...new Set(names)].map((name) => {
    const denied = access.denied(name);
    if (denied) return topicError(name, denied.errorCode, denied.errorMessage);
    const problem = topicNameProblem(name);
    if (problem) return topicError(name, ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    const topic = topicByName(state, name);
    if (!topic)
      return topicError(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${name}" does not exist`);
    return topicInfo(topic);
  });
}

/** ListTopics: every topic's name, id and partition count, sorted by name (those the caller may see). */
export function listTopics(
  ctx: CoordinatorContext,
  access: TopicAccess = EVERY_TOPIC,
): v1.ListTopicsResponse {
  return {
    topics: topicsSortedByName(ctx.store.state)
      .filter((t) => access.mayList(t.name))
      .map((t) => ({
        name: t.name,
        topicId: t.topicId,
        partitions: t.partitions.length,
      })),
  };
}

/** DescribeTopics: full description per topic, or its error. */
export function describeTopics(
  ctx: CoordinatorContext,
  request: v1.DescribeTopicsRequest__Output,
  access: TopicAccess = EVERY_TOPIC,
): v1.DescribeTopicsResponse {
  return { topics: describeTopicsByName(ctx.store.state, request.topics, access) };
}

/** GetMetadata: brokers and topic routing for clients. */
export function getMetadata(
  ctx: CoordinatorContext,
  request: v1.GetMetadataRequest__Output,
  listenerName: string | undefined,
  access: TopicAccess = EVERY_TOPIC,
): v1.GetMetadataResponse {
  // Read state and version together (synchronously) so they always match.
  const state = ctx.store.state;
  return {
    clusterId: state.clusterId ?? '',
    brokers: brokerInfos(state, listenerName),
    topics: describeTopicsByName(state, request.topics, access),
    metadataVersion: String(ctx.store.metadataVersion),
  };
}

/**
 * DescribeCluster: cluster id, the coordinator's advertised address and the brokers with
 * liveness, all on the listener the client came in on.
 */
export function describeCluster(
  ctx: CoordinatorContext,
  listenerName: string | undefined,
): v1.DescribeClusterResponse {
  const state = ctx.store.state;
  return {
    clusterId: state.clusterId ?? '',
    coordinator: ctx.coordinatorAddress(listenerName),
    brokers: brokerInfos(state, listenerName),
    metadataVersion: String(ctx.store.metadataVersion),
    underReplicated: underReplicatedPartitions(state),
  };
}
