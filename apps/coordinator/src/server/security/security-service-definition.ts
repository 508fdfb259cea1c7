import { loadFjordProto } from '@fjord/protocol';
import type * as grpc from '@grpc/grpc-js';

/**
 * SecurityService's definition. `loadFjordProto()` loads every proto file, security.proto
 * included, but its `FjordProto` type does not list that file's services yet.
 */
export function securityServiceDefinition(): grpc.ServiceDefinition {
  const proto = loadFjordProto() as unknown as {
    fjord: { v1: { SecurityService: grpc.ServiceClientConstructor } };
  };
  return proto.fjord.v1.SecurityService.service;
}
