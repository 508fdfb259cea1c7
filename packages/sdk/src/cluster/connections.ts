import { GRPC_CHANNEL_OPTIONS, loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import { ClosedError, FjordError } from '../errors.js';

/** Starts one unary call; the pool adds metadata, deadline and error mapping. */
export type UnaryInvoker<Res> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

interface Connection {
  channel: grpc.Channel;
  broker?: v1.BrokerServiceClient;
  coordinator?: v1.CoordinatorServiceClient;
  groups?: v1.GroupCoordinatorServiceClient;
  producerIds?: v1.ProducerIdServiceClient;
}

/**
 * One gRPC channel per `host:port`, shared by every service client on that address and by
 * every producer/consumer/admin of one Fjord client. grpc-js reconnects a channel by itself,
 * so a channel lives until close().
 */
export class ConnectionPool {
  readonly #connections = new Map<string, Connection>();
  readonly #inflight = new Set<grpc.ClientUnaryCall>();
  readonly #clientId: string;
  #closed = false;

  constructor(clientId: string) {
    this.#clientId = clientId;
  }

  /** The BrokerService client for `address`. */
  broker(address: string): v1.BrokerServiceClient {
    const connection = this.#connection(address);
    connection.broker ??= new (loadFjordProto().fjord.v1.BrokerService)(
      address,
      grpc.credentials.createInsecure(),
      {
        channelOverride: connection.channel,
      },
    );
    return connection.broker;
  }

  /** The CoordinatorService client for `address`. */
  coordinator(address: string): v1.CoordinatorServiceClient {
    const connection = this.#connection(address);
    connection.coordinator ??= new (loadFjordProto().fjord.v1.CoordinatorService)(
      address,
      grpc.credentials.createInsecure(),
      { channelOverride: connection.channel },
    );
    return connection.coordinator;
  }

  /** The GroupCoordinatorService client for `address` (served by the coordinator). */
  groups(address: string): v1.GroupCoordinatorServiceClient {
    const connection = this.#connection(address);
    connection.groups ??= new (loadFjordProto().fjord.v1.GroupCoordinatorService)(
      address,
      grpc.credentials.createInsecure(),
      { channelOverride: connection.channel },
    );
    return connection.groups;
  }

  /** The ProducerIdService client for `address` (served by the coordinator). */
  producerIds(address: string): v1.ProducerIdServiceClient {
    const connection = this.#connection(address);
    connection.producerIds ??= new (loadFjordProto().fjord.v1.ProducerIdService)(
      address,
      grpc.credentials.createInsecure(),
      { channelOverride: connection.channel },
    );
    return connection.producerIds;
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
    const metadata = new grpc.Metadata();
    metadata.set('fjord-client-id', this.#clientId);
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

  /** Cancels calls in flight and closes every channel. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of this.#inflight) call.cancel();
    this.#inflight.clear();
    for (const { channel } of this.#connections.values()) channel.close();
    this.#connections.clear();
  }

  #connection(address: string): Connection {
    if (this.#closed) throw new ClosedError('the Fjord client is closed');
    let connection = this.#connections.get(address);
    if (!connection) {
      const channel = new grpc.Channel(address, grpc.credentials.createInsecure(), {
        ...GRPC_CHANNEL_OPTIONS,
        'grpc.primary_user_agent': `fjord-sdk/${this.#clientId}`,
      });
      connection = { channel };
      this.#connections.set(address, connection);
    }
    return connection;
  }
}
