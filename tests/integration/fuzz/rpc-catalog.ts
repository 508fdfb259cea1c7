import { decodeProduceRequest, decodeProduceStreamRequest, loadFjordProto } from '@fjord/protocol';
import type * as grpc from '@grpc/grpc-js';

/** One RPC as the loaded protos define it. */
export interface RpcMethod {
  /** `Service/Method`, e.g. `BrokerService/Produce`. */
  name: string;
  service: string;
  /** The HTTP/2 path, `/fjord.v1.BrokerService/Produce`. */
  path: string;
  /** The request message's name in fjord.v1. */
  requestType: string;
  decodeRequest: (bytes: Buffer) => Record<string, unknown>;
  decodeResponse: (bytes: Buffer) => unknown;
}

interface MethodWithTypes extends grpc.MethodDefinition<unknown, unknown> {
  requestType: { type: { name: string } };
}

/** Every unary RPC of every service in the loaded fjord.v1 package, in proto order. */
export function allRpcs(): RpcMethod[] {
  const pkg = loadFjordProto().fjord.v1 as unknown as Record<string, { service?: grpc.ServiceDefinition }>;
  return Object.entries(pkg).flatMap(([service, entry]) =>
    entry.service === undefined
      ? []
      : Object.entries(entry.service).map(([method, definition]) => {
          const typed = definition as MethodWithTypes;
          return {
            name: `${service}/${method}`,
            service,
            path: definition.path,
            requestType: typed.requestType.type.name,
            decodeRequest: requestDecoder(`${service}/${method}`, definition),
            decodeResponse: (bytes: Buffer) => definition.responseDeserialize(bytes),
          };
        }),
  );
}

/**
 * How the server reads a request body: the broker decodes produce requests with its own codec,
 * which takes some bodies protobufjs refuses (a 6-byte varint for an int32 at the end of a
 * message, valid protobuf), so the fuzz judges those by what the broker saw (e.g. acks=0, never
 * answered on ProduceStream).
 */
function requestDecoder(name: string, definition: grpc.MethodDefinition<unknown, unknown>) {
  if (name === 'BrokerService/ProduceStream')
    return (bytes: Buffer) => decodeProduceStreamRequest(bytes) as unknown as Record<string, unknown>;
  if (name === 'BrokerService/Produce')
    return (bytes: Buffer) => decodeProduceRequest(bytes) as unknown as Record<string, unknown>;
  return (bytes: Buffer) => definition.requestDeserialize(bytes) as Record<string, unknown>;
}
