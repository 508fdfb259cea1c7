import type * as grpc from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { type HandlerError, OK_OUTCOME, requestOutcome } from './outcome.js';
import type { RequestMetrics } from './request-metrics.js';

/** Options of {@link instrumentService}. */
export interface InstrumentOptions {
  metrics: RequestMetrics;
  /**
   * Called after each successful unary call with its request and response, e.g. to count
   * bytes. Runs on the request path: keep it to a few operations per request.
   */
  onSuccess?: (api: string, request: unknown, response: unknown) => void;
}

/**
 * Wraps every unary handler of a service's handler map so that each answered request is
 * counted and timed ({@link RequestMetrics}). One wrapper where the server is assembled
 * instead of a line in every handler: no RPC can be forgotten, and handlers stay about
 * their own work. Streaming handlers (none in Fjord's services) pass through unchanged.
 */
export function instrumentService<Handlers extends grpc.UntypedServiceImplementation>(
  definition: grpc.ServiceDefinition,
  handlers: Handlers,
  options: InstrumentOptions,
): Handlers {
  const wrapped: grpc.UntypedServiceImplementation = { ...handlers };
  for (const [api, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    // grpc-js accepts a handler under the proto's name or its camelCase original name.
    const key = api in handlers ? api : method.originalName;
    const handler = key === undefined ? undefined : handlers[key];
    if (key === undefined || handler === undefined) continue;
    wrapped[key] = instrumentUnary(api, handler as grpc.handleUnaryCall<unknown, unknown>, options);
  }
  return wrapped as Handlers;
}

function instrumentUnary(
  api: string,
  handler: grpc.handleUnaryCall<unknown, unknown>,
  { metrics, onSuccess }: InstrumentOptions,
): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const finish = metrics.start(api);
    let answered = false;
    const answer: grpc.sendUnaryData<unknown> = (error, value, trailer, flags) => {
      // grpc-js ignores a second answer; so do the metrics.
      if (!answered) {
        answered = true;
        finish(error ? requestOutcome(error as HandlerError) : OK_OUTCOME);
        if (!error && onSuccess) {
          try {
            onSuccess(api, call.request, value);
          } catch {
            // A metrics hook must never fail a request that succeeded.
          }
        }
      }
      callback(error, value, trailer, flags);
    };
    try {
      handler(call, answer);
    } catch (error) {
      if (!answered) {
        answered = true;
        finish(requestOutcome({ code: GrpcStatus.UNKNOWN }));
      }
      throw error;
    }
  };
}
