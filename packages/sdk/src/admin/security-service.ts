import { loadFjordProto, type v1 } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';

// The SecurityService is served by the coordinators, on the channel the CoordinatorService
// client already holds: the client made here shares it (and so its TLS and credentials), and
// calls go through the same leader failover. The proto types do not list SecurityService in
// `FjordProto` yet (the file is loaded at runtime with every other one), hence the narrow view.
// TODO(#13): a `security(address)` client in the ConnectionPool would make this file unneeded.

type SecurityServiceConstructor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options: grpc.ClientOptions,
) => v1.SecurityServiceClient;

const clients = new WeakMap<grpc.Client, v1.SecurityServiceClient>();

/** The SecurityService client on the channel of `coordinator` (made once per channel's client). */
export function securityServiceOf(coordinator: v1.CoordinatorServiceClient): v1.SecurityServiceClient {
  let client = clients.get(coordinator);
  if (!client) {
    const SecurityService = (
      loadFjordProto().fjord.v1 as unknown as { SecurityService: SecurityServiceConstructor }
    ).SecurityService;
    // With channelOverride grpc-js uses the given channel; address and credentials are not used.
    client = new SecurityService('unused', grpc.credentials.createInsecure(), {
      channelOverride: coordinator.getChannel(),
    });
    clients.set(coordinator, client);
  }
  return client;
}
