import {
  decodeProduceRequest,
  decodeProduceStreamRequest,
  ErrorCode,
  ProduceCodecError,
} from '@fjord/protocol';
import { RefusedRequest } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';

/**
 * A stream request whose body is not a valid ProduceRequest but whose correlation id could be
 * read: the stream answers that request with the refusal and goes on.
 */
export class RefusedStreamRequest {
  constructor(
    readonly correlationId: string,
    readonly refusal: RefusedRequest,
  ) {}
}

/**
 * The BrokerService definition with the produce requests decoded by @fjord/protocol's own
 * codec instead of protobufjs: every partition's `records` stays a view of the received
 * message (stored from there, see partition-log.ts's prepareAppend), and no protobufjs
 * message objects are built on the hottest path. The server kit's request guard still wraps
 * these (size caps; its INVALID_REQUEST answer for a message that cannot be read at all).
 */
export function withProduceCodec(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const produce = definition.Produce;
  const stream = definition.ProduceStream;
  if (!produce || !stream) throw new Error('the BrokerService definition has no Produce or ProduceStream');
  return {
    ...definition,
    Produce: { ...produce, requestDeserialize: decodeProduceRequest },
    ProduceStream: { ...stream, requestDeserialize: decodeStreamRequest },
  };
}

function decodeStreamRequest(bytes: Buffer): unknown {
  try {
    return decodeProduceStreamRequest(bytes);
  } catch (error) {
    if (!(error instanceof ProduceCodecError) || error.correlationId === undefined) throw error;
    return new RefusedStreamRequest(
      error.correlationId,
      new RefusedRequest(
        ErrorCode.INVALID_REQUEST,
        `ProduceStream request is not a valid protobuf message of its type: ${error.message}`,
      ),
    );
  }
}
