import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

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
 * The coordinator services the Kafka listener forwards to: cluster metadata and topic admin
 * (CoordinatorService), producer ids (ProducerIdService) and groups (GroupCoordinatorService).
 * Kafka clients never see the coordinator; brokers ask it on their behalf (brief §14).
 */
export class CoordinatorCalls {
  readonly #cluster: v1.CoordinatorServiceClient;
  readonly #producerIds: v1.ProducerIdServiceClient;
  readonly #groups: v1.GroupCoordinatorServiceClient;

  constructor(address: string) {
    const proto = loadFjordProto().fjord.v1;
    const credentials = grpc.credentials.createInsecure();
    const options = {
      ...GRPC_CHANNEL_OPTIONS,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 2_000,
    };
    this.#cluster = new proto.CoordinatorService(address, credentials, options);
    // One channel for all three services of the coordinator process.
    const channelOverride = { channelOverride: this.#cluster.getChannel() as grpc.Channel };
    this.#producerIds = new proto.ProducerIdService(address, credentials, { ...options, ...channelOverride });
    this.#groups = new proto.GroupCoordinatorService(address, credentials, {
      ...options,
      ...channelOverride,
    });
  }

  getMetadata(request: v1.GetMetadataRequest): Promise<v1.GetMetadataResponse__Output> {
    return call(this.#cluster.getMetadata, this.#cluster, request);
  }
  createTopics(request: v1.CreateTopicsRequest): Promise<v1.CreateTopicsResponse__Output> {
    return call(this.#cluster.createTopics, this.#cluster, request);
  }
  deleteTopics(request: v1.DeleteTopicsRequest): Promise<v1.DeleteTopicsResponse__Output> {
    return call(this.#cluster.deleteTopics, this.#cluster, request);
  }
  describeTopics(request: v1.DescribeTopicsRequest): Promise<v1.DescribeTopicsResponse__Output> {
    return call(this.#cluster.describeTopics, this.#cluster, request);
  }
  describeCluster(): Promise<v1.DescribeClusterResponse__Output> {
    return call(this.#cluster.describeCluster, this.#cluster, {});
  }
  initProducerId(): Promise<v1.InitProducerIdResponse__Output> {
    return call(this.#producerIds.initProducerId, this.#producerIds, {});
  }
  joinGroup(request: v1.JoinGroupRequest, timeoutMs: number): Promise<v1.JoinGroupResponse__Output> {
    return call<v1.JoinGroupRequest, v1.JoinGroupResponse__Output>(
      this.#groups.joinGroup,
      this.#groups,
      request,
      timeoutMs,
    );
  }
  syncGroup(request: v1.SyncGroupRequest, timeoutMs: number): Promise<v1.SyncGroupResponse__Output> {
    return call<v1.SyncGroupRequest, v1.SyncGroupResponse__Output>(
      this.#groups.syncGroup,
      this.#groups,
      request,
      timeoutMs,
    );
  }
  heartbeat(request: v1.HeartbeatRequest): Promise<v1.HeartbeatResponse__Output> {
    return call<v1.HeartbeatRequest, v1.HeartbeatResponse__Output>(
      this.#groups.heartbeat,
      this.#groups,
      request,
    );
  }
  leaveGroup(request: v1.LeaveGroupRequest): Promise<v1.LeaveGroupResponse__Output> {
    return call<v1.LeaveGroupRequest, v1.LeaveGroupResponse__Output>(
      this.#groups.leaveGroup,
      this.#groups,
      request,
    );
  }
  classicOffsetCommit(request: v1.ClassicOffsetCommitRequest): Promise<v1.OffsetCommitResponse__Output> {
    return call<v1.ClassicOffsetCommitRequest, v1.OffsetCommitResponse__Output>(
      this.#groups.classicOffsetCommit,
      this.#groups,
      request,
    );
  }
  offsetFetch(request: v1.OffsetFetchRequest): Promise<v1.OffsetFetchResponse__Output> {
    return call<v1.OffsetFetchRequest, v1.OffsetFetchResponse__Output>(
      this.#groups.offsetFetch,
      this.#groups,
      request,
    );
  }
  listGroups(): Promise<v1.ListGroupsResponse__Output> {
    return call<v1.ListGroupsRequest, v1.ListGroupsResponse__Output>(
      this.#groups.listGroups,
      this.#groups,
      {},
    );
  }
  describeGroup(request: v1.DescribeGroupRequest): Promise<v1.DescribeGroupResponse__Output> {
    return call<v1.DescribeGroupRequest, v1.DescribeGroupResponse__Output>(
      this.#groups.describeGroup,
      this.#groups,
      request,
    );
  }

  close(): void {
    this.#groups.close();
    this.#producerIds.close();
    this.#cluster.close();
  }
}
