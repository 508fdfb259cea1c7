import { ChannelSecurity, GRPC_CHANNEL_OPTIONS, type SecuredChannel } from '@fjord/protocol';
import type * as grpc from '@grpc/grpc-js';
import type { NodeClientSecurity } from '../security/server-security.js';
import { nodeChannelSecurity } from './node-channel-security.js';

/** Options of {@link GrpcClientPool}. */
export interface GrpcClientPoolOptions<Client extends grpc.Client> {
  /** The generated client class, e.g. `loadFjordProto().fjord.v1.BrokerService`. */
  service: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options: grpc.ClientOptions,
  ) => Client;
  /**
   * Reconnect backoff of each channel: how soon a peer that restarted is reached again.
   * grpc-js's defaults (1 s growing to 2 min) suit neither a replica fetcher nor a scrape.
   */
  reconnectBackoffMs: { initial: number; max: number };
  /**
   * How this node dials its peers (`nodeClientSecurity(config)`: the inter-broker protocol,
   * TLS files and SASL user), or a {@link ChannelSecurity} built once (`nodeChannelSecurity`)
   * and shared by several pools, so their channels share one file watcher. Default: PLAINTEXT.
   */
  security?: NodeClientSecurity | ChannelSecurity | undefined;
}

/**
 * One gRPC channel per peer address, created on first use and closed together: how a server
 * calls its peers (a broker its partition leaders, the coordinator the brokers). Channel
 * options and security are set here, once for every server-to-server call: over SSL the
 * node's certificate files are watched, so a rotation applies to the next connection; over
 * SASL each channel logs in once and its calls carry the session token.
 */
export class GrpcClientPool<Client extends grpc.Client> {
  readonly #options: GrpcClientPoolOptions<Client>;
  readonly #security: ChannelSecurity;
  readonly #clients = new Map<string, { client: Client; secured: SecuredChannel }>();
  #closed = false;

  /** Throws when the security settings cannot work (missing files, no SASL user). */
  constructor(options: GrpcClientPoolOptions<Client>) {
    this.#options = options;
    this.#security =
      options.security instanceof ChannelSecurity ? options.security : nodeChannelSecurity(options.security);
  }

  /** The client of `address` (`host:port`), reusing its channel. */
  get(address: string): Client {
    if (this.#closed) throw new Error(`client pool is closed (asked for ${address})`);
    let entry = this.#clients.get(address);
    if (!entry) {
      const { service: Service, reconnectBackoffMs } = this.#options;
      const secured = this.#security.open(address, {
        ...GRPC_CHANNEL_OPTIONS,
        'grpc.initial_reconnect_backoff_ms': reconnectBackoffMs.initial,
        'grpc.max_reconnect_backoff_ms': reconnectBackoffMs.max,
      });
      entry = { client: new Service(address, secured.credentials, secured.clientOptions), secured };
      this.#clients.set(address, entry);
    }
    return entry.client;
  }

  /** Closes every channel; later get() calls throw. */
  close(): void {
    this.#closed = true;
    for (const { client, secured } of this.#clients.values()) {
      client.close();
      secured.close();
    }
    this.#clients.clear();
  }
}
