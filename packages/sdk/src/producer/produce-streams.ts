import {
  ERROR_CODE_METADATA_KEY,
  encodeProduceStreamRequest,
  loadFjordProto,
  type v1,
} from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import type { ConnectionPool } from '../cluster/connections.js';
import { ClosedError, ConnectionError, FjordError, RequestTimeoutError } from '../errors.js';

const PRODUCE_STREAM_PATH = '/fjord.v1.BrokerService/ProduceStream';

interface InFlight {
  readonly request: v1.ProduceRequest;
  readonly timeoutMs: number;
  readonly resolve: (response: v1.ProduceResponse__Output) => void;
  readonly reject: (error: FjordError) => void;
  readonly timer: NodeJS.Timeout;
}

type ProduceDuplex = grpc.ClientDuplexStream<v1.ProduceStreamRequest, v1.ProduceStreamResponse__Output>;

/**
 * A producer's produce requests, on one ProduceStream per broker, so that the broker sees
 * them in the order they were sent (as on a Kafka connection) and no idempotent batch
 * overtakes the one before it. Each request has a correlation id and a deadline of its own;
 * a stream that breaks fails its requests in flight with a retriable ConnectionError (the
 * sender resends them; idempotence keeps them stored once), and the next request opens a new
 * stream. A broker that does not serve ProduceStream (an older one: UNIMPLEMENTED) gets
 * unary Produce calls from then on, its requests in flight resent that way.
 */
/** How the sender hands a produce request to a broker (one place to swap in tests). */
export interface ProduceRequestSender {
  send(address: string, request: v1.ProduceRequest, timeoutMs: number): Promise<v1.ProduceResponse__Output>;
  close(): void;
}

export class ProduceStreams implements ProduceRequestSender {
  readonly #pool: ConnectionPool;
  readonly #streams = new Map<string, BrokerProduceStream>();
  readonly #unaryOnly = new Set<string>();
  #closed = false;

  constructor(pool: ConnectionPool) {
    this.#pool = pool;
  }

  /**
   * Sends one request to the broker at `address` and resolves with its answer (acks=0: once it
   * is written, with every partition answered NONE and no offset, as the broker would).
   * Rejects with the FjordError the unary Produce call would have given.
   */
  send(address: string, request: v1.ProduceRequest, timeoutMs: number): Promise<v1.ProduceResponse__Output> {
    if (this.#closed) return Promise.reject(new ClosedError('the producer is closed'));
    if (this.#unaryOnly.has(address)) return this.#unary(address, request, timeoutMs);
    let stream = this.#streams.get(address);
    if (!stream) {
      stream = new BrokerProduceStream(this.#pool, address, {
        closed: (s) => {
          if (this.#streams.get(address) === s) this.#streams.delete(address);
        },
        unimplemented: (inFlight, unconfirmed) => {
          this.#unaryOnly.add(address);
          for (const r of inFlight) this.#unary(address, r.request, r.timeoutMs).then(r.resolve, r.reject);
          // Already reported sent, as acks=0 sends are; nobody reads their answers.
          for (const request of unconfirmed) this.#unary(address, request, 30_000).catch(() => undefined);
        },
      });
      this.#streams.set(address, stream);
    }
    return stream.send(request, timeoutMs);
  }

  /** Ends every stream (requests still in flight fail with ClosedError). */
  close(): void {
    this.#closed = true;
    for (const stream of this.#streams.values()) stream.close();
    this.#streams.clear();
  }

  #unary(
    address: string,
    request: v1.ProduceRequest,
    timeoutMs: number,
  ): Promise<v1.ProduceResponse__Output> {
    const client = this.#pool.broker(address);
    return this.#pool.unary<v1.ProduceResponse__Output>(address, timeoutMs, (metadata, options, callback) =>
      client.produce(request, metadata, options, callback),
    );
  }
}

interface StreamEvents {
  closed(stream: BrokerProduceStream): void;
  /** The broker does not serve the stream; `unconfirmed` are acks=0 requests it may not have had. */
  unimplemented(inFlight: InFlight[], unconfirmed: v1.ProduceRequest[]): void;
}

class BrokerProduceStream {
  readonly #address: string;
  readonly #call: ProduceDuplex;
  readonly #events: StreamEvents;
  readonly #inFlight = new Map<string, InFlight>();
  // acks=0 requests written before the broker accepted the stream (its response headers): an
  // older broker refuses the stream as UNIMPLEMENTED, and these go again as unary calls.
  #unconfirmed: v1.ProduceRequest[] | undefined = [];
  #nextCorrelationId = 1;
  #broken: FjordError | undefined;

  constructor(pool: ConnectionPool, address: string, events: StreamEvents) {
    this.#address = address;
    this.#events = events;
    const method = loadFjordProto().fjord.v1.BrokerService.service.ProduceStream;
    // Our own encoder: the records are copied once, into the message, with no protobufjs objects.
    this.#call = pool
      .broker(address)
      .makeBidiStreamRequest<v1.ProduceStreamRequest, v1.ProduceStreamResponse__Output>(
        PRODUCE_STREAM_PATH,
        encodeProduceStreamRequest,
        method.responseDeserialize,
        pool.callMetadata(),
        {},
      );
    this.#call.on('metadata', () => {
      this.#unconfirmed = undefined;
    });
    this.#call.on('data', (message: v1.ProduceStreamResponse__Output) => this.#answer(message));
    this.#call.on('error', (error: Error) => this.#break(error));
    this.#call.on('end', () =>
      this.#break(new ConnectionError(`the produce stream to ${address} ended`, address)),
    );
  }

  send(request: v1.ProduceRequest, timeoutMs: number): Promise<v1.ProduceResponse__Output> {
    if (this.#broken) return Promise.reject(this.#broken);
    const correlationId = String(this.#nextCorrelationId++);
    if (request.acks === 0) {
      this.#call.write({ correlationId, request });
      this.#unconfirmed?.push(request);
      return Promise.resolve(unacknowledged(request));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#inFlight.delete(correlationId);
        reject(
          new RequestTimeoutError(
            `produce request to ${this.#address} timed out after ${timeoutMs} ms`,
            this.#address,
          ),
        );
      }, timeoutMs);
      this.#inFlight.set(correlationId, { request, timeoutMs, resolve, reject, timer });
      this.#call.write({ correlationId, request });
    });
  }

  close(): void {
    this.#break(new ClosedError('the producer is closed'));
    this.#call.cancel();
  }

  #answer(message: v1.ProduceStreamResponse__Output): void {
    const inFlight = this.#inFlight.get(message.correlationId);
    // An answer after its request timed out (or to an acks=0 refusal): nobody waits for it.
    if (!inFlight) return;
    this.#inFlight.delete(message.correlationId);
    clearTimeout(inFlight.timer);
    if (message.requestError)
      inFlight.reject(FjordError.from(serviceError(message.requestError), this.#address));
    else inFlight.resolve(message.response ?? { topics: [], throttleTimeMs: 0 });
  }

  #break(error: Error): void {
    if (this.#broken) return;
    const inFlight = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const r of inFlight) clearTimeout(r.timer);
    this.#events.closed(this);
    if ((error as Partial<grpc.ServiceError>).code === grpc.status.UNIMPLEMENTED) {
      this.#broken = new ConnectionError(`${this.#address} does not serve ProduceStream`, this.#address);
      this.#events.unimplemented(inFlight, this.#unconfirmed ?? []);
      return;
    }
    this.#broken = FjordError.from(error, this.#address);
    for (const r of inFlight) r.reject(this.#broken);
  }
}

/** The answer the broker gives an acks=0 request (it sends none on the stream). */
function unacknowledged(request: v1.ProduceRequest): v1.ProduceResponse__Output {
  return {
    throttleTimeMs: 0,
    topics: (request.topics ?? []).map((t) => ({
      topic: t.topic ?? '',
      partitions: (t.partitions ?? []).map((p) => ({
        partition: p.partition ?? 0,
        errorCode: 0,
        errorMessage: '',
        baseOffset: '-1',
        logAppendTimeMs: '-1',
        logStartOffset: '-1',
      })),
    })),
  };
}

/** A stream's request_error as the gRPC error the unary Produce call would have ended with. */
function serviceError(requestError: v1.ProduceRequestError__Output): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, String(requestError.errorCode));
  const error = new Error(requestError.errorMessage) as grpc.ServiceError;
  error.code = requestError.grpcStatus as grpc.status;
  error.details = requestError.errorMessage;
  error.metadata = metadata;
  return error;
}
