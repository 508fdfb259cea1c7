import { ErrorCode, grpcRequestError } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

/**
 * What a guarded deserializer hands the handler instead of a request it refused: grpc-js
 * answers a deserializer that throws with INTERNAL "Error deserializing request" and no Fjord
 * code, which tells a client neither what was wrong nor that retrying is pointless. The
 * request adapter (unaryHandler) answers this with INVALID_ARGUMENT and the Fjord code.
 */
export class RefusedRequest {
  constructor(
    readonly fjordCode: number,
    readonly message: string,
  ) {}

  /** The gRPC error the call is answered with. */
  toServiceError(): grpc.ServiceError {
    return grpcRequestError(grpc.status.INVALID_ARGUMENT, this.fjordCode, this.message);
  }
}

/**
 * A method's request deserializer that refuses, without decoding, a body over `maxBytes`
 * (MESSAGE_TOO_LARGE), and turns a body that is not a valid protobuf message of the
 * method's type into INVALID_REQUEST naming the decoder's complaint.
 */
export function guardedDeserializer(
  method: string,
  deserialize: grpc.deserialize<unknown>,
  maxBytes: number | undefined,
): grpc.deserialize<unknown> {
  return (bytes: Buffer) => {
    if (maxBytes !== undefined && bytes.length > maxBytes) {
      return new RefusedRequest(
        ErrorCode.MESSAGE_TOO_LARGE,
        `${method} request is ${bytes.length} bytes, over this server's limit of ${maxBytes} bytes for it`,
      );
    }
    try {
      return deserialize(bytes);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return new RefusedRequest(
        ErrorCode.INVALID_REQUEST,
        `${method} request is not a valid protobuf message of its type: ${reason}`,
      );
    }
  };
}

/**
 * The service definition with every method's deserializer guarded; `maxRequestBytes` caps
 * the methods it names (the server-wide cap, grpc.max_receive_message_length, bounds the rest).
 */
export function guardedDefinition(
  definition: grpc.ServiceDefinition,
  maxRequestBytes: Readonly<Record<string, number>> = {},
): grpc.ServiceDefinition {
  for (const name of Object.keys(maxRequestBytes)) {
    if (!(name in definition))
      throw new Error(`request size limit for ${name}, which the service has no method of`);
  }
  return Object.fromEntries(
    Object.entries(definition).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: guardedDeserializer(name, method.requestDeserialize, maxRequestBytes[name]),
      },
    ]),
  );
}
