import {
  ChannelSecurity,
  CoordinatorQuorum,
  classifyCoordinatorGrpcError,
  GRPC_CHANNEL_OPTIONS,
  loadFjordProto,
  type v1,
} from '@fjord/protocol';
import { type NodeClientSecurity, nodeChannelSecurity } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';

/** The coordinator's view of the cluster (DescribeCluster response). */
export type ClusterDescription = v1.DescribeClusterResponse__Output;

/** One coordinator's view of the quorum (DescribeQuorum response). */
export type QuorumDescription = v1.DescribeQuorumResponse__Output;

/**
 * A minimal gRPC client of the coordinators for the testkit's own polling. It goes through
 * the wire contract, not the SDK, so the testkit keeps working while the SDK changes; it
 * follows the quorum leader with the same {@link CoordinatorQuorum} the SDK and brokers use.
 */
export class CoordinatorClient {
  readonly #clients = new Map<string, v1.CoordinatorServiceClient>();
  readonly #quorum: CoordinatorQuorum;
  readonly #security: ChannelSecurity;

  /**
   * `addresses`: one coordinator, or every voter of a quorum. `security`: how to dial them, as
   * a node does (`{ protocol: 'SSL', tls: { ca, cert, key } }`, file paths) or any
   * {@link ChannelSecurity} (e.g. `new ChannelSecurity({ ssl: { ca }, sasl })` for a CLIENT
   * listener); PLAINTEXT by default.
   */
  constructor(addresses: string | readonly string[], security?: NodeClientSecurity | ChannelSecurity) {
    this.#security = security instanceof ChannelSecurity ? security : nodeChannelSecurity(security);
    this.#quorum = new CoordinatorQuorum({
      bootstrap: typeof addresses === 'string' ? [addresses] : addresses,
    });
  }

  /** DescribeCluster at the quorum leader, with a deadline per attempt (default 2 000 ms). */
  describeCluster(timeoutMs = 2_000): Promise<ClusterDescription> {
    return this.#quorum.call(
      (address) =>
        unary<ClusterDescription>((callback) =>
          this.#client(address).describeCluster({}, { deadline: Date.now() + timeoutMs }, callback),
        ),
      { classify: classifyCoordinatorGrpcError },
    );
  }

  /** DescribeQuorum of the coordinator at `address` (every voter answers it), default deadline 2 000 ms. */
  describeQuorum(address: string, timeoutMs = 2_000): Promise<QuorumDescription> {
    return unary<QuorumDescription>((callback) =>
      this.#client(address).describeQuorum({}, { deadline: Date.now() + timeoutMs }, callback),
    );
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #client(address: string): v1.CoordinatorServiceClient {
    let client = this.#clients.get(address);
    if (!client) {
      const { CoordinatorService } = loadFjordProto().fjord.v1;
      const secured = this.#security.open(address, {
        ...GRPC_CHANNEL_OPTIONS,
        // A coordinator restarted by a test should be reached again within a poll or two,
        // not after grpc's default reconnect backoff (up to 120 s).
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 500,
      });
      client = new CoordinatorService(address, secured.credentials, secured.clientOptions);
      this.#clients.set(address, client);
    }
    return client;
  }
}

/** A grpc-js callback call as a promise (rejects on an error or an empty answer). */
export function unary<T>(
  start: (callback: (error: grpc.ServiceError | null, response?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, response) => {
      if (error || !response) reject(error ?? new Error('the coordinator returned nothing'));
      else resolve(response);
    });
  });
}
