import { type ChannelSecurity, loadFjordProto, type v1 } from '@fjord/protocol';
import { GrpcClientPool, grpcAddress } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';

/** A broker's advertised address as the coordinator lists it. */
export interface BrokerAddress {
  id: number;
  host: string;
  port: number;
  alive: boolean;
}

/**
 * Addresses of the other brokers (from heartbeat answers) and one gRPC channel per
 * address, for replica fetches and OffsetForLeaderEpoch calls to partition leaders.
 */
export class BrokerClients {
  private readonly addresses = new Map<number, string>();
  private readonly clients: GrpcClientPool<v1.BrokerServiceClient>;

  /** `security`: how this broker dials the others (PLAINTEXT by default). */
  constructor(security?: ChannelSecurity) {
    this.clients = new GrpcClientPool({
      service: loadFjordProto().fjord.v1.BrokerService,
      // A restarted leader must be found again within a second or so, not minutes.
      reconnectBackoffMs: { initial: 100, max: 1_000 },
      security,
    });
  }

  /** Replaces the known broker addresses. */
  setBrokers(brokers: readonly BrokerAddress[]): void {
    for (const b of brokers) this.addresses.set(b.id, grpcAddress(b.host, b.port));
  }

  /** The client for broker `id`, or undefined while its address is unknown. */
  client(id: number): v1.BrokerServiceClient | undefined {
    const address = this.addresses.get(id);
    return address === undefined ? undefined : this.clients.get(address);
  }

  /** Closes every channel. */
  close(): void {
    this.clients.close();
  }
}

/** Calls a unary method with a deadline and resolves with its response. */
export function callUnary<Req, Res>(
  client: v1.BrokerServiceClient,
  method: 'fetch' | 'offsetForLeaderEpoch',
  request: Req,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = client[method] as unknown as (
      req: Req,
      options: grpc.CallOptions,
      cb: (error: grpc.ServiceError | null, response?: Res) => void,
    ) => unknown;
    fn.call(client, request, { deadline: Date.now() + timeoutMs }, (error, response) =>
      error || !response ? reject(error ?? new Error('empty response')) : resolve(response),
    );
  });
}
