import { loadFjordProto } from '@fjord/protocol';
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
            decodeRequest: (bytes: Buffer) => definition.requestDeserialize(bytes) as Record<string, unknown>,
            decodeResponse: (bytes: Buffer) => definition.responseDeserialize(bytes),
          };
        }),
  );
}
