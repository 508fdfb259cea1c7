import { classifyCoordinatorGrpcError, type v1 } from '@fjord/protocol';
import type * as grpc from '@grpc/grpc-js';
import type { CoordinatorLink, CoordinatorServices } from '../cluster/coordinator-link.js';

/** Per-call deadline of a forwarded call; a Kafka client retries after a retriable error. */
const CALL_TIMEOUT_MS = 10_000;

type Callback<T> = (error: grpc.ServiceError | null, response?: T) => void;
type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: Callback<Res>) => unknown;

function call<Req, Res>(
  method: Unary<Req, Res>,
  client: grpc.Client,
  request: Req,
  timeoutMs = CALL_TIMEOUT_MS,
) {
  return new Promise<Res>((resolve, reject) => {
    (method as Unary<Req, Res>).call(
      client,
      request,
      { deadline: Date.now() + timeoutMs },
      (error, response) =>
        error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
    );
  });
}

/**
 * No coordinator answered as leader (all unreachable, or followers without a leader): the
 * Kafka API answers its retriable error instead of dropping the connection (issue #14).
 */
export class CoordinatorUnavailableError extends Error {
  override readonly name = 'CoordinatorUnavailableError';

  constructor(cause: unknown) {
    super('no coordinator leader is reachable', { cause });
  }
}

/**
 * The coordinator services the Kafka listener forwards to: cluster metadata and topic admin
 * (CoordinatorService), producer ids (ProducerIdService) and groups (GroupCoordinatorService).
 * Kafka clients never see the coordinator; brokers ask it on their behalf (brief §14), through
 * the broker's {@link CoordinatorLink}, so these calls follow the quorum leader too.
 *
 * The broker calls as itself (its own node principal), not as the Kafka client: it has
 * already authorized the client's request against its copy of the ACLs, and the coordinator
 * trusts a broker principal to have done so, as a Kafka controller trusts the broker that
 * forwards a request (KIP-590 envelopes aside).
 */
export class CoordinatorCalls {
  readonly #link: CoordinatorLink;

  /** `link` is the broker's, shared with its membership; the broker closes it. */
  constructor(link: CoordinatorLink) {
    this.#link = link;
  }

  /** Runs one call on the leader; a quorum without a reachable leader is a {@link CoordinatorUnavailableError}. */
  #call<T>(call: (services: CoordinatorServices) => Promise<T>): Promise<T> {
    return this.#link.call(call).catch((error: unknown) => {
      const kind = classifyCoordinatorGrpcError(error).kind;
      throw kind === 'unreachable' || kind === 'not-coordinator'
        ? new CoordinatorUnavailableError(error)
        : error;
    });
  }

  createAcls(request: v1.CreateAclsRequest): Promise<v1.CreateAclsResponse__Output> {
    return this.#call((services) => {
      const { security } = services;
      return call(security.createAcls, security, request);
    });
  }
  describeAcls(request: v1.DescribeAclsRequest): Promise<v1.DescribeAclsResponse__Output> {
    return this.#call((services) => {
      const { security } = services;
      return call(security.describeAcls, security, request);
    });
  }
  deleteAcls(request: v1.DeleteAclsRequest): Promise<v1.DeleteAclsResponse__Output> {
    return this.#call((services) => {
      const { security } = services;
      return call(security.deleteAcls, security, request);
    });
  }
  describeUserScramCredentials(
    request: v1.DescribeUserScramCredentialsRequest,
  ): Promise<v1.DescribeUserScramCredentialsResponse__Output> {
    return this.#call((services) => {
      const { security } = services;
      return call(security.describeUserScramCredentials, security, request);
    });
  }
  alterUserScramCredentials(
    request: v1.AlterUserScramCredentialsRequest,
  ): Promise<v1.AlterUserScramCredentialsResponse__Output> {
    return this.#call((services) => {
      const { security } = services;
      return call(security.alterUserScramCredentials, security, request);
    });
  }

  getMetadata(request: v1.GetMetadataRequest): Promise<v1.GetMetadataResponse__Output> {
    return this.#call(({ cluster }) => call(cluster.getMetadata, cluster, request));
  }
  createTopics(request: v1.CreateTopicsRequest): Promise<v1.CreateTopicsResponse__Output> {
    return this.#call(({ cluster }) => call(cluster.createTopics, cluster, request));
  }
  deleteTopics(request: v1.DeleteTopicsRequest): Promise<v1.DeleteTopicsResponse__Output> {
    return this.#call(({ cluster }) => call(cluster.deleteTopics, cluster, request));
  }
  describeTopics(request: v1.DescribeTopicsRequest): Promise<v1.DescribeTopicsResponse__Output> {
    return this.#call(({ cluster }) => call(cluster.describeTopics, cluster, request));
  }
  describeCluster(): Promise<v1.DescribeClusterResponse__Output> {
    return this.#call(({ cluster }) => call(cluster.describeCluster, cluster, {}));
  }
  initProducerId(): Promise<v1.InitProducerIdResponse__Output> {
    return this.#call(({ producerIds }) => call(producerIds.initProducerId, producerIds, {}));
  }
  joinGroup(request: v1.JoinGroupRequest, timeoutMs: number): Promise<v1.JoinGroupResponse__Output> {
    return this.#call(({ groups }) =>
      call<v1.JoinGroupRequest, v1.JoinGroupResponse__Output>(groups.joinGroup, groups, request, timeoutMs),
    );
  }
  syncGroup(request: v1.SyncGroupRequest, timeoutMs: number): Promise<v1.SyncGroupResponse__Output> {
    return this.#call(({ groups }) =>
      call<v1.SyncGroupRequest, v1.SyncGroupResponse__Output>(groups.syncGroup, groups, request, timeoutMs),
    );
  }
  heartbeat(request: v1.HeartbeatRequest): Promise<v1.HeartbeatResponse__Output> {
    return this.#call(({ groups }) =>
      call<v1.HeartbeatRequest, v1.HeartbeatResponse__Output>(groups.heartbeat, groups, request),
    );
  }
  leaveGroup(request: v1.LeaveGroupRequest): Promise<v1.LeaveGroupResponse__Output> {
    return this.#call(({ groups }) =>
      call<v1.LeaveGroupRequest, v1.LeaveGroupResponse__Output>(groups.leaveGroup, groups, request),
    );
  }
  consumerGroupHeartbeat(
    request: v1.ConsumerGroupHeartbeatRequest,
  ): Promise<v1.ConsumerGroupHeartbeatResponse__Output> {
    return this.#call(({ groups }) =>
      call<v1.ConsumerGroupHeartbeatRequest, v1.ConsumerGroupHeartbeatResponse__Output>(
        groups.consumerGroupHeartbeat,
        groups,
        request,
      ),
    );
  }
  classicOffsetCommit(request: v1.ClassicOffsetCommitRequest): Promise<v1.OffsetCommitResponse__Output> {
    return this.#call(({ groups }) =>
      call<v1.ClassicOffsetCommitRequest, v1.OffsetCommitResponse__Output>(
        groups.classicOffsetCommit,
        groups,
        request,
      ),
    );
  }
  offsetFetch(request: v1.OffsetFetchRequest): Promise<v1.OffsetFetchResponse__Output> {
    return this.#call(({ groups }) =>
      call<v1.OffsetFetchRequest, v1.OffsetFetchResponse__Output>(groups.offsetFetch, groups, request),
    );
  }
  listGroups(): Promise<v1.ListGroupsResponse__Output> {
    return this.#call(({ groups }) =>
      call<v1.ListGroupsRequest, v1.ListGroupsResponse__Output>(groups.listGroups, groups, {}),
    );
  }
  describeGroup(request: v1.DescribeGroupRequest): Promise<v1.DescribeGroupResponse__Output> {
    return this.#call(({ groups }) =>
      call<v1.DescribeGroupRequest, v1.DescribeGroupResponse__Output>(groups.describeGroup, groups, request),
    );
  }
}
