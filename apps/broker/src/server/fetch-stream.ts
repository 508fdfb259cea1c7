import { ErrorCode, type FetchAnswer, grpcRequestError, type v1 } from '@fjord/protocol';
import { authorizeCallMessage, InvalidRequestError, RefusedRequest } from '@fjord/server-kit';
import * as grpc from '@grpc/grpc-js';
import { fetch } from './fetch.js';
import { FetchSession } from './fetch-session.js';
import { admitBeforeSecurityState, grpcCallAccess } from './grpc-call-access.js';
import { type BrokerServiceDeps, countStreamTraffic } from './service-deps.js';

/** The path FetchStream's messages are authorized under (its RPC_AUTHORIZATION entry). */
const FETCH_STREAM_PATH = '/fjord.v1.BrokerService/FetchStream';

type FetchStreamCall = grpc.ServerDuplexStream<v1.FetchSessionRequest__Output, FetchAnswer>;

/**
 * FetchStream: a fetch session on one bidirectional stream (see broker.proto). Requests are
 * served one after the other, each by one round of the unary Fetch's core over all the
 * session's partitions (authorization per partition, quotas, leader epochs, offsets out of
 * range, long polls), and answered in order with the partitions that have records or errors.
 * A request that arrives while the round before waits for data ends that wait.
 *
 * Every request is authorized against the node's current ACLs over all the topics of the
 * session (the gate of the server kit checks unary calls only). A request the ACLs refuse, or
 * that is malformed, ends the stream with that error, as the unary call would be answered.
 */
export function serveFetchStream(
  deps: BrokerServiceDeps,
): grpc.handleBidiStreamingCall<v1.FetchSessionRequest__Output, FetchAnswer> {
  return (call) => new FetchStreamServer(deps, call).start();
}

// Abort reasons, made once: `abort()` without one builds a DOMException with a stack trace, on
// every request of a stream that keeps fetching.
const STREAM_ENDED: Error = Object.freeze(new Error('the fetch stream ended'));
const WOKEN: Error = Object.freeze(new Error('a newer request ends the long poll'));

class FetchStreamServer {
  readonly #deps: BrokerServiceDeps;
  readonly #call: FetchStreamCall;
  readonly #session = new FetchSession();
  readonly #pending: v1.FetchSessionRequest__Output[] = [];
  readonly #closed = new AbortController();
  #wake = new AbortController();
  #serving = false;
  #ended = false;
  #failed = false;

  constructor(deps: BrokerServiceDeps, call: FetchStreamCall) {
    this.#deps = deps;
    this.#call = call;
  }

  start(): void {
    const call = this.#call;
    call.on('data', (message: v1.FetchSessionRequest__Output | RefusedRequest) => this.#received(message));
    call.on('end', () => {
      this.#ended = true;
      this.#endIfDone();
    });
    call.on('cancelled', () => this.#closed.abort(STREAM_ENDED));
    call.on('error', () => this.#closed.abort(STREAM_ENDED));
    call.on('close', () => this.#closed.abort(STREAM_ENDED));
  }

  #received(message: v1.FetchSessionRequest__Output | RefusedRequest): void {
    if (this.#failed) return;
    if (message instanceof RefusedRequest) {
      this.#fail(message.toServiceError());
      return;
    }
    this.#wake.abort(WOKEN);
    if (message.wakeOnly) return;
    this.#pending.push(message);
    void this.#serve();
  }

  async #serve(): Promise<void> {
    if (this.#serving) return;
    this.#serving = true;
    try {
      while (this.#pending.length > 0 && !this.#failed && !this.#closed.signal.aborted) {
        const request = this.#pending.shift()!;
        this.#wake = new AbortController();
        // A request already waiting behind this one: answer this one without waiting for data.
        if (this.#pending.length > 0) this.#wake.abort(WOKEN);
        const answer = await this.#round(request, this.#wake.signal);
        if (this.#closed.signal.aborted) return;
        this.#call.write(answer);
      }
    } catch (error) {
      this.#fail(streamError(this.#deps, error));
    } finally {
      this.#serving = false;
    }
    this.#endIfDone();
  }

  async #round(request: v1.FetchSessionRequest__Output, woken: AbortSignal): Promise<FetchAnswer> {
    const deps = this.#deps;
    const call = this.#call as unknown as grpc.ServerUnaryCall<unknown, unknown>;
    const replicaRequest = request.replicaId >= 0;
    admitBeforeSecurityState(deps.security, call, replicaRequest);
    this.#session.apply(request);
    if (deps.security) {
      const refusal = authorizeCallMessage(
        this.#call,
        deps.security.grpcServerState(),
        FETCH_STREAM_PATH,
        this.#session.authorizationView(),
      );
      if (refusal) throw refusal;
    }
    const access = grpcCallAccess(call, replicaRequest);
    const round = this.#session.fetchRequest(request);
    const answer = this.#session.answered(await fetch(deps, round, [this.#closed.signal, woken], access));
    countStreamTraffic(deps, 'Fetch', round, answer);
    return answer;
  }

  #fail(error: grpc.ServiceError): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#pending.length = 0;
    this.#call.emit('error', error);
  }

  #endIfDone(): void {
    if (this.#ended && !this.#serving && this.#pending.length === 0 && !this.#failed) this.#call.end();
  }
}

// As the unary adapter answers: a Fjord-coded error as it is, a bad request INVALID_ARGUMENT,
// anything else a logged bug answered INTERNAL.
function streamError(deps: BrokerServiceDeps, error: unknown): grpc.ServiceError {
  if (error instanceof InvalidRequestError)
    return grpcRequestError(grpc.status.INVALID_ARGUMENT, ErrorCode.INVALID_REQUEST, error.message);
  const coded = error as Partial<grpc.ServiceError> | null;
  if (error instanceof Error && typeof coded?.code === 'number' && coded.metadata)
    return error as grpc.ServiceError;
  deps.logger.error({ err: error, method: 'FetchStream' }, 'request failed unexpectedly');
  const message = `FetchStream failed: ${error instanceof Error ? error.message : String(error)}`;
  return grpcRequestError(grpc.status.INTERNAL, ErrorCode.UNKNOWN_SERVER_ERROR, message);
}
