import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** The coordinator calls a broker makes (an interface so membership can be tested). */
export interface CoordinatorApi {
  registerBroker(request: v1.RegisterBrokerRequest): Promise<v1.RegisterBrokerResponse__Output>;
  brokerHeartbeat(request: v1.BrokerHeartbeatRequest): Promise<v1.BrokerHeartbeatResponse__Output>;
  alterPartition(request: v1.AlterPartitionRequest): Promise<v1.AlterPartitionResponse__Output>;
  controlledShutdown(request: v1.ControlledShutdownRequest): Promise<v1.ControlledShutdownResponse__Output>;
  close(): void;
}

/** Per-call deadline: a coordinator that does not answer in time counts as unreachable. */
const CALL_TIMEOUT_MS = 5_000;

/**
 * gRPC client of CoordinatorService. Reconnect backoff is kept short so that a broker
 * re-registers within a few seconds of the coordinator coming back (grpc-js would back off
 * for up to two minutes by default).
 */
export class GrpcCoordinatorClient implements CoordinatorApi {
  private readonly client: v1.CoordinatorServiceClient;

  constructor(address: string) {
    const Service = loadFjordProto().fjord.v1.CoordinatorService;
    this.client = new Service(address, grpc.credentials.createInsecure(), {
      ...GRPC_CHANNEL_OPTIONS,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 2_000,
    });
  }

  registerBroker(request: v1.RegisterBrokerRequest): Promise<v1.RegisterBrokerResponse__Output> {
    return new Promise((resolve, reject) => {
      this.client.registerBroker(request, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) =>
        error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
      );
    });
  }

  brokerHeartbeat(request: v1.BrokerHeartbeatRequest): Promise<v1.BrokerHeartbeatResponse__Output> {
    return new Promise((resolve, reject) => {
      this.client.brokerHeartbeat(request, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) =>
        error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
      );
    });
  }

  alterPartition(request: v1.AlterPartitionRequest): Promise<v1.AlterPartitionResponse__Output> {
    return new Promise((resolve, reject) => {
      this.client.alterPartition(request, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) =>
        error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
      );
    });
  }

  controlledShutdown(request: v1.ControlledShutdownRequest): Promise<v1.ControlledShutdownResponse__Output> {
    return new Promise((resolve, reject) => {
      this.client.controlledShutdown(
        request,
        { deadline: Date.now() + CALL_TIMEOUT_MS },
        (error, response) =>
          error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
