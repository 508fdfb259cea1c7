import { type HandlerError, OK_OUTCOME, requestOutcome } from '@fjord/observability';
import { ERROR_CODE_METADATA_KEY, ErrorCode, type v1 } from '@fjord/protocol';
import { authorizeCallMessage, RefusedRequest, requestFailureStatus } from '@fjord/server-kit';
import * as grpc from '@grpc/grpc-js';
import type { CallAccess } from './call-access.js';
import { admitBeforeSecurityState, grpcCallAccess } from './grpc-call-access.js';
import { startProduce } from './produce.js';
import { RefusedStreamRequest } from './produce-codec.js';
import { type BrokerServiceDeps, countStreamTraffic } from './service-deps.js';

/** The unary RPC whose authorization rule and answers every stream request gets. */
const PRODUCE_PATH = '/fjord.v1.BrokerService/Produce';

/**
 * Requests of one stream read ahead of their answers; past this the stream stops reading (and
 * HTTP/2 flow control holds the client) until answers catch up.
 */
const MAX_PENDING_REQUESTS = 64;

type ProduceStreamCall = grpc.ServerDuplexStream<v1.ProduceStreamRequest__Output, v1.ProduceStreamResponse>;

/** What a stream request without a `request` body stands for: nothing to append. */
const EMPTY_PRODUCE: v1.ProduceRequest__Output = { acks: 0, timeoutMs: 0, topics: [] };

/**
 * ProduceStream: each message is one Produce request, authorized, validated, throttled and
 * answered exactly as the unary RPC (through the same produce core). Requests enter
 * {@link startProduce} one after the other, in the order they arrived, so an idempotent
 * producer's batches are appended in send order; the next request starts as soon as the one
 * before has its offsets (its write and acks=all wait go on meanwhile, as Kafka pipelines a
 * connection's requests up to max.in.flight). Answers are written in request order; acks=0
 * requests get none. A request refused as a whole is answered with the status Produce would
 * have ended with, in `request_error`, and the stream goes on. The stream's cancellation
 * (the client went away) cancels every wait of its requests, as a unary call's does.
 */
export function produceStreamHandler(
  deps: BrokerServiceDeps,
): grpc.handleBidiStreamingCall<v1.ProduceStreamRequest__Output, v1.ProduceStreamResponse> {
  return (call: ProduceStreamCall) => {
    // Headers at once: they tell the client the stream is served (an older broker answers
    // UNIMPLEMENTED instead), which an acks=0 producer, never answered, would not learn otherwise.
    call.sendMetadata(new grpc.Metadata());
    const cancellation = new AbortController();
    const cancel = () => cancellation.abort();
    call.on('cancelled', cancel);
    call.on('error', cancel);
    // Each request starts once the one before has its offsets; each answer waits for the one before.
    let started: Promise<unknown> = Promise.resolve();
    let answered: Promise<void> = Promise.resolve();
    let ended = false;
    let pending = 0;
    const finishIfDone = () => {
      if (ended && pending === 0 && !cancellation.signal.aborted) call.end();
    };
    call.on('data', (message: v1.ProduceStreamRequest__Output | RefusedStreamRequest | RefusedRequest) => {
      if (message instanceof RefusedRequest) {
        // Not even its correlation id could be read: nothing can be answered, so the stream ends
        // with the status a unary Produce of these bytes would have got.
        cancel();
        // grpc-js ends a server stream with the status of an 'error' it is given.
        call.emit('error', message.toServiceError());
        return;
      }
      const finish = deps.instrument?.metrics.start('Produce');
      pending++;
      if (pending >= MAX_PENDING_REQUESTS) call.pause();
      const correlationId = message.correlationId;
      const start = started.then(() => startRequest(deps, call, message, cancellation.signal));
      started = start.catch(() => undefined);
      const answer = start.then((s) => s.answer);
      // Read in turn below, maybe after it failed: handled now, so that it never counts as unhandled.
      answer.catch(() => undefined);
      answered = answered.then(async () => {
        let response: v1.ProduceStreamResponse | undefined;
        try {
          const produced = await answer;
          response = produced === undefined ? undefined : { correlationId, response: produced };
          finish?.(OK_OUTCOME);
          if (produced && !(message instanceof RefusedStreamRequest))
            countStreamTraffic(deps, 'Produce', message.request ?? EMPTY_PRODUCE, produced);
        } catch (error) {
          const status = requestFailureStatus(deps.logger, 'ProduceStream', error);
          response = { correlationId, requestError: requestErrorOf(status) };
          finish?.(requestOutcome(status as HandlerError));
        }
        pending--;
        if (pending < MAX_PENDING_REQUESTS && call.isPaused()) call.resume();
        if (response && !cancellation.signal.aborted) call.write(response);
        finishIfDone();
      });
    });
    call.on('end', () => {
      ended = true;
      void answered.then(finishIfDone);
    });
  };
}

/** One request through the produce core; `answer` undefined: acks=0, answered by nobody. */
async function startRequest(
  deps: BrokerServiceDeps,
  call: ProduceStreamCall,
  message: v1.ProduceStreamRequest__Output | RefusedStreamRequest,
  cancelled: AbortSignal,
): Promise<{ answer: Promise<v1.ProduceResponse | undefined> }> {
  if (message instanceof RefusedStreamRequest) throw message.refusal.toServiceError();
  const request = message.request ?? EMPTY_PRODUCE;
  const access = streamRequestAccess(deps, call, request);
  const started = await startProduce(deps, request, cancelled, access);
  if (request.acks !== 0) return started;
  // Nobody reads an acks=0 answer; its failures are logged by the core.
  started.answer.catch(() => undefined);
  return { answer: Promise.resolve(undefined) };
}

/**
 * What the unary path's authorization gate and call access establish, for one request of the
 * stream, against the ACLs of the moment: refused as a whole (thrown, as the gate answers), or
 * the topics denied per partition and whom the quota counts.
 */
function streamRequestAccess(
  deps: BrokerServiceDeps,
  call: ProduceStreamCall,
  request: v1.ProduceRequest__Output,
): CallAccess {
  const unaryLike = call as unknown as grpc.ServerUnaryCall<unknown, unknown>;
  admitBeforeSecurityState(deps.security, unaryLike, false);
  const refusal =
    deps.security && authorizeCallMessage(call, deps.security.grpcServerState(), PRODUCE_PATH, request);
  if (refusal) throw refusal;
  return grpcCallAccess(unaryLike, false);
}

/** The request_error of a request refused as a whole: what the unary RPC answers as its status. */
function requestErrorOf(status: grpc.ServiceError): v1.ProduceRequestError {
  const [code] = status.metadata.get(ERROR_CODE_METADATA_KEY);
  return {
    grpcStatus: status.code,
    errorCode: Number(code ?? ErrorCode.UNKNOWN_SERVER_ERROR),
    errorMessage: status.details,
  };
}
