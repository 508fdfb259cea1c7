import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** The coordinator's view of the cluster (DescribeCluster response). */
export type ClusterDescription = v1.DescribeClusterResponse__Output;

/**
 * A minimal gRPC client of the coordinator for the testkit's own polling. It goes through
 * the wire contract, not the SDK, so the testkit keeps working while the SDK changes.
 */
export class CoordinatorClient {
  readonly #client: v1.CoordinatorServiceClient;

  constructor(address: string) {
    const { CoordinatorService } = loadFjordProto().fjord.v1;
    this.#client = new CoordinatorService(address, grpc.credentials.createInsecure(), {
      ...GRPC_CHANNEL_OPTIONS,
      // A coordinator restarted by a test should be reached again within a poll or two,
      // not after grpc's default reconnect backoff (up to 120 s).
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 500,
    });
  }

  /** DescribeCluster with a deadline (default 2 000 ms). */
  describeCluster(timeoutMs = 2_000): Promise<ClusterDescription> {
    return new Promise((resolve, reject) => {
      this.#client.describeCluster({}, { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error || !response) reject(error ?? new Error('DescribeCluster returned nothing'));
        else resolve(response);
      });
    });
  }

  close(): void {
    this.#client.close();
  }
}
