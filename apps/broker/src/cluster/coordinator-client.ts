import type { v1 } from '@fjord/protocol';
import type * as grpc from '@grpc/grpc-js';
import type { CoordinatorLink } from './coordinator-link.js';

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

type Callback<T> = (error: grpc.ServiceError | null, response?: T) => void;

/** One unary call with the broker's deadline, as a promise. */
function unary<T>(start: (options: grpc.CallOptions, callback: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    start({ deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) =>
      error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
    );
  });
}

/**
 * The broker's CoordinatorService calls, sent to the coordinator quorum's leader through the
 * {@link CoordinatorLink} (which follows it when it moves).
 */
export class GrpcCoordinatorClient implements CoordinatorApi {
  readonly #link: CoordinatorLink;

  constructor(link: CoordinatorLink) {
    this.#link = link;
  }

  registerBroker(request: v1.RegisterBrokerRequest): Promise<v1.RegisterBrokerResponse__Output> {
    return this.#link.call(({ cluster }) =>
      unary((options, cb) => cluster.registerBroker(request, options, cb)),
    );
  }

  brokerHeartbeat(request: v1.BrokerHeartbeatRequest): Promise<v1.BrokerHeartbeatResponse__Output> {
    return this.#link.call(({ cluster }) =>
      unary((options, cb) => cluster.brokerHeartbeat(request, options, cb)),
    );
  }

  alterPartition(request: v1.AlterPartitionRequest): Promise<v1.AlterPartitionResponse__Output> {
    return this.#link.call(({ cluster }) =>
      unary((options, cb) => cluster.alterPartition(request, options, cb)),
    );
  }

  controlledShutdown(request: v1.ControlledShutdownRequest): Promise<v1.ControlledShutdownResponse__Output> {
    return this.#link.call(({ cluster }) =>
      unary((options, cb) => cluster.controlledShutdown(request, options, cb)),
    );
  }

  /** SecurityService/DescribeSecurityState: the ACLs, SCRAM credentials and broker bindings. */
  describeSecurityState(): Promise<v1.DescribeSecurityStateResponse__Output> {
    return this.#link.call(({ security }) =>
      unary((options, cb) => security.describeSecurityState({}, options, cb)),
    );
  }

  /** Closes the link's channels (the broker owns one link; closing it twice is harmless). */
  close(): void {
    this.#link.close();
  }
}
