import * as grpc from '@grpc/grpc-js';

/**
 * The metadata key under which a server tags each call with the name of the listener it came in
 * on. Whatever a client sends under it is replaced, so a handler can trust it.
 */
export const LISTENER_METADATA_KEY = 'fjord-listener';

/**
 * A server interceptor that tags every call with its listener's name, found from the local port
 * the connection arrived at (each listener binds its own port). `listenerOfPort` is consulted
 * per call, so ports bound after the interceptor was made (port 0) are known.
 */
export function listenerTaggingInterceptor(
  listenerOfPort: (port: number) => string | undefined,
): grpc.ServerInterceptor {
  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, forward) => {
            metadata.remove(LISTENER_METADATA_KEY);
            const port = call.getConnectionInfo().localPort;
            const name = port === undefined ? undefined : listenerOfPort(port);
            if (name !== undefined) metadata.set(LISTENER_METADATA_KEY, name);
            forward(metadata);
          },
        }),
    });
}

/** The listener a call came in on (tagged by the server); undefined on a server without listeners. */
export function listenerOfCall(call: { metadata: grpc.Metadata }): string | undefined {
  const [value] = call.metadata.get(LISTENER_METADATA_KEY);
  return typeof value === 'string' ? value : undefined;
}
