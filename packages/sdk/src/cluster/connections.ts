import {
  ChannelSecurity,
  GRPC_CHANNEL_OPTIONS,
  loadFjordProto,
  type SaslOptions,
  type SecuredChannel,
  type SslOptions,
  type v1,
} from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { ClosedError, FjordError, InvalidArgumentError } from '../errors.js';

/** Starts one unary call; the pool adds metadata, deadline and error mapping. */
export type UnaryInvoker<Res> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

interface Connection {
  secured: SecuredChannel;
  broker?: v1.BrokerServiceClient;
  coordinator?: v1.CoordinatorServiceClient;
  groups?: v1.GroupCoordinatorServiceClient;
  producerIds?: v1.ProducerIdServiceClient;
  security?: v1.SecurityServiceClient;
}

/** How the pool secures its channels: the `ssl` and `sasl` options of the Fjord client. */
export interface ConnectionSecurity {
  ssl?: boolean | SslOptions | undefined;
  sasl?: SaslOptions | undefined;
}

/**
 * One gRPC channel per `host:port`, shared by every service client on that address and by
 * every producer/consumer/admin of one Fjord client. grpc-js reconnects a channel by itself,
 * so a channel lives until close(). Every channel, to brokers and coordinators alike, is
 * secured the same way ({@link ChannelSecurity}: TLS, and a SASL login per channel).
 */
export class ConnectionPool {
  readonly #connections = new Map<string, Connection>();
  readonly #inflight = new Set<grpc.ClientUnaryCall>();
  readonly #streams = new Set<grpc.ClientDuplexStream<v1.FetchSessionRequest, v1.FetchResponse__Output>>();
  readonly #clientId: string;
  readonly #security: ChannelSecurity;
  #closed = false;

  /** Throws InvalidArgumentError when `security` cannot work (a PEM path, a cert without key). */
  constructor(clientId: string, security: ConnectionSecurity = {}) {
    this.#clientId = clientId;
    try {
      this.#security = new ChannelSecurity({ ssl: security.ssl, sasl: security.sasl });
    } catch (error) {
      throw new InvalidArgumentError(`invalid Fjord options: ${(error as Error).message}`);
    }
  }

  /** True when the channels speak TLS (error messages say so). */
  get tls(): boolean {
    return this.#security.tls;
  }

  /** The BrokerService client for `address`. */
  broker(address: string): v1.BrokerServiceClient {
    const connection = this.#connection(address);
    connection.broker ??= this.#client(loadFjordProto().fjord.v1.BrokerService, connection);
    return connection.broker;
  }

  /** The CoordinatorService client for `address`. */
  coordinator(address: string): v1.CoordinatorServiceClient {
    const connection = this.#connection(address);
    connection.coordinator ??= this.#client(loadFjordProto().fjord.v1.CoordinatorService, connection);
    return connection.coordinator;
  }

  /** The GroupCoordinatorService client for `address` (served by the coordinator). */
  groups(address: string): v1.GroupCoordinatorServiceClient {
    const connection = this.#connection(address);
    connection.groups ??= this.#client(loadFjordProto().fjord.v1.GroupCoordinatorService, connection);
    return connection.groups;
  }

  /** The ProducerIdService client for `address` (served by the coordinator). */
  producerIds(address: string): v1.ProducerIdServiceClient {
    const connection = this.#connection(address);
    connection.producerIds ??= this.#client(loadFjordProto().fjord.v1.ProducerIdService, connection);
    return connection.producerIds;
  }

  /** The SecurityService client for `address` (served by the coordinator): ACLs and SCRAM credentials. */
  security(address: string): v1.SecurityServiceClient {
    const connection = this.#connection(address);
    connection.security ??= this.#client(loadFjordProto().fjord.v1.SecurityService, connection);
    return connection.security;
  }

  /**
   * Runs one unary call with a deadline of `timeoutMs` and maps its failure to a FjordError
   * naming `address` (UNAVAILABLE -> ConnectionError, DEADLINE_EXCEEDED -> RequestTimeoutError,
   * `fjord-error-code` trailer -> the protocol error table). Aborting `signal` cancels the
   * call, which then rejects with ClosedError.
   */
  unary<Res>(
    address: string,
    timeoutMs: number,
    invoke: UnaryInvoker<Res>,
    signal?: AbortSignal,
  ): Promise<Res> {
    if (this.#closed) return Promise.reject(new ClosedError('the Fjord client is closed'));
    if (signal?.aborted) return Promise.reject(new ClosedError('the request was aborted before it started'));
    const metadata = this.callMetadata();
    return new Promise<Res>((resolve, reject) => {
      const onAbort = (): void => call.cancel();
      const call = invoke(metadata, { deadline: Date.now() + Math.max(1, timeoutMs) }, (error, response) => {
        this.#inflight.delete(call);
        signal?.removeEventListener('abort', onAbort);
        if (error) {
          const stopped = this.#closed || signal?.aborted;
          reject(
            stopped
              ? new ClosedError('the request was cancelled by close()')
              : FjordError.from(error, address),
          );
        } else if (response === undefined) {
          reject(FjordError.from(new Error(`empty response from ${address}`), address));
        } else {
          resolve(response);
        }
      });
      this.#inflight.add(call);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Opens a FetchStream (a fetch session) to the broker at `address`, with the client id the
   * broker counts quotas by. The caller ends it; close() cancels it with the other calls.
   */
  fetchStream(address: string): grpc.ClientDuplexStream<v1.FetchSessionRequest, v1.FetchResponse__Output> {
    if (this.#closed) throw new ClosedError('the Fjord client is closed');
    const metadata = new grpc.Metadata();
    metadata.set('fjord-client-id', this.#clientId);
    const stream = this.broker(address).fetchStream(metadata);
    this.#streams.add(stream);
    stream.on('close', () => this.#streams.delete(stream));
    stream.on('error', () => this.#streams.delete(stream));
    return stream;
  }

  /** The metadata every call of this pool starts with (the client id, Kafka's client.id). */
  callMetadata(): grpc.Metadata {
    if (this.#closed) throw new ClosedError('the Fjord client is closed');
    const metadata = new grpc.Metadata();
    metadata.set('fjord-client-id', this.#clientId);
    return metadata;
  }

  /** Cancels calls in flight and closes every channel. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of this.#inflight) call.cancel();
    this.#inflight.clear();
    for (const stream of this.#streams) stream.cancel();
    this.#streams.clear();
    for (const { secured } of this.#connections.values()) secured.close();
    this.#connections.clear();
  }

  #client<C extends grpc.Client>(
    Service: new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ClientOptions) => C,
    { secured }: Connection,
  ): C {
    return new Service(secured.address, secured.credentials, secured.clientOptions);
  }

  #connection(address: string): Connection {
    if (this.#closed) throw new ClosedError('the Fjord client is closed');
    let connection = this.#connections.get(address);
    if (!connection) {
      const secured = this.#security.open(address, {
        ...GRPC_CHANNEL_OPTIONS,
        'grpc.primary_user_agent': `fjord-sdk/${this.#clientId}`,
      });
      connection = { secured };
      this.#connections.set(address, connection);
    }
    return connection;
  }
}
