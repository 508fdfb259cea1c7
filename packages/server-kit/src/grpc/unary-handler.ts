import { ERROR_CODE_METADATA_KEY, ErrorCode, grpcRequestError } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import type { ErrorLogger } from '../logger.js';
import { InvalidRequestError } from './invalid-request-error.js';
import { RefusedRequest } from './request-guard.js';

/** A request handler: the request, and the call for those that need more (cancellation). */
export type RequestHandler<Req, Res> = (
  request: Req,
  call: grpc.ServerUnaryCall<Req, Res>,
) => Res | Promise<Res>;

/**
 * Adapts an async request handler to grpc-js; every handler of both servers goes through it,
 * so a failure is answered, and counted in the metrics' `outcome`, the same way everywhere:
 * - a request its guarded deserializer refused ({@link RefusedRequest}: too large, not a valid
 *   message): INVALID_ARGUMENT with the refusal's code, before the handler runs;
 * - {@link InvalidRequestError}: INVALID_ARGUMENT with INVALID_REQUEST;
 * - an error that already carries a Fjord code (built with `grpcRequestError`): as it is;
 * - anything else is a bug: logged, and answered INTERNAL with UNKNOWN_SERVER_ERROR, so a bug
 *   in one handler never takes the process down.
 */
export function unaryHandler<Req, Res>(
  logger: ErrorLogger,
  method: string,
  handle: RequestHandler<Req, Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const request: unknown = call.request;
    if (request instanceof RefusedRequest) {
      callback(request.toServiceError());
      return;
    }
    Promise.resolve()
      .then(() => handle(call.request, call))
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(requestFailureStatus(logger, method, error)),
      );
  };
}

/**
 * The status a failed request is answered with (the rules of {@link unaryHandler}), for
 * handlers that answer requests another way, such as one message of a stream.
 */
export function requestFailureStatus(logger: ErrorLogger, method: string, error: unknown): grpc.ServiceError {
  if (error instanceof InvalidRequestError) {
    return grpcRequestError(grpc.status.INVALID_ARGUMENT, ErrorCode.INVALID_REQUEST, error.message);
  }
  if (carriesFjordCode(error)) return error;
  logger.error({ err: error, method }, 'request failed unexpectedly');
  const message = `${method} failed: ${error instanceof Error ? error.message : String(error)}`;
  return grpcRequestError(grpc.status.INTERNAL, ErrorCode.UNKNOWN_SERVER_ERROR, message);
}

function carriesFjordCode(error: unknown): error is grpc.ServiceError {
  const metadata = (error as Partial<grpc.ServiceError> | null)?.metadata;
  return (
    error instanceof Error &&
    typeof (error as Partial<grpc.ServiceError>).code === 'number' &&
    // Not instanceof: a Metadata from another copy of grpc-js is just as good.
    typeof metadata?.get === 'function' &&
    metadata.get(ERROR_CODE_METADATA_KEY).length > 0
  );
}

/** The request handlers of a service, keyed like its generated handler map. */
export type RequestHandlersOf<Service> = {
  [K in keyof Service as string extends K ? never : K]: Service[K] extends grpc.handleUnaryCall<
    infer Req,
    infer Res
  >
    ? RequestHandler<Req, Res>
    : never;
};

/**
 * A service's whole handler map through {@link unaryHandler}, each method named by its key:
 * `unaryHandlers<v1.BrokerServiceHandlers>(logger, { Produce: (request) => ... })`.
 */
export function unaryHandlers<Service extends grpc.UntypedServiceImplementation>(
  logger: ErrorLogger,
  handlers: RequestHandlersOf<Service>,
): Service {
  const adapted: grpc.UntypedServiceImplementation = {};
  for (const [method, handle] of Object.entries(
    handlers as Record<string, RequestHandler<unknown, unknown>>,
  )) {
    adapted[method] = unaryHandler(logger, method, handle);
  }
  return adapted as Service;
}
