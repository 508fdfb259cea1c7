import { ErrorCode, grpcRequestError } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../logger.js';
import { InvalidRequestError } from './invalid-request-error.js';

/**
 * Adapts an async request handler to grpc-js. A malformed request becomes INVALID_ARGUMENT
 * with INVALID_REQUEST; anything unexpected is logged and becomes INTERNAL with
 * UNKNOWN_SERVER_ERROR, so a bug in one handler never takes the process down.
 */
export function unaryHandler<Req, Res>(
  logger: Logger,
  method: string,
  handle: (request: Req) => Res | Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handle(call.request))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          if (error instanceof InvalidRequestError) {
            callback(
              grpcRequestError(grpc.status.INVALID_ARGUMENT, ErrorCode.INVALID_REQUEST, error.message),
            );
            return;
          }
          logger.error({ err: error, method }, 'request failed unexpectedly');
          const message = `${method} failed: ${error instanceof Error ? error.message : String(error)}`;
          callback(grpcRequestError(grpc.status.INTERNAL, ErrorCode.UNKNOWN_SERVER_ERROR, message));
        },
      );
  };
}
