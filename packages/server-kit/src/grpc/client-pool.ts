import { GRPC_CHANNEL_OPTIONS } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/** Options of {@link GrpcClientPool}. */
export interface GrpcClientPoolOptions<Client extends grpc.Client> {
  /** The generated client class, e.g. `loadFjordProto().fjord.v1.BrokerService`. */
  service: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options: grpc.ChannelOptions,
  ) => Client;
  /**
   * Reconnect backoff of each channel: how soon a peer that restarted is reached again.
   * grpc-js's defaults (1 s growing to 2 min) suit neither a replica fetcher nor a scrape.
   */
  reconnectBackoffMs: { initial: number; max: number };
}

/**
 * One gRPC channel per peer address, created on first use and closed together: how a server
 * calls its peers (a broker its partition leaders, the coordinator the brokers). Channel
 * options and credentials are set here, once for every server-to-server call.
 */
export class GrpcClientPool<Client extends grpc.Client> {
  readonly #options: GrpcClientPoolOptions<Client>;
  readonly #clients = new Map<string, Client>();
  #closed = false;

  constructor(options: GrpcClientPoolOptions<Client>) {
    this.#options = options;
  }

  /** The client of `address` (`host:port`), reusing its channel. */
  get(address: string): Client {
    if (this.#closed) throw new Error(`client pool is closed (asked for ${address})`);
    let client = this.#clients.get(address);
    if (!client) {
      const { service: Service, reconnectBackoffMs } = this.#options;
      client = new Service(address, grpc.credentials.createInsecure(), {
        ...GRPC_CHANNEL_OPTIONS,
        'grpc.initial_reconnect_backoff_ms': reconnectBackoffMs.initial,
        'grpc.max_reconnect_backoff_ms': reconnectBackoffMs.max,
      });
      this.#clients.set(address, client);
    }
    return client;
  }

  /** Closes every channel; later get() calls throw. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}
