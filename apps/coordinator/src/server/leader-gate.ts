import type * as grpc from '@grpc/grpc-js';

/**
 * Wraps a service's handlers so that, while this coordinator cannot serve (it does not lead
 * the quorum, or was just elected and has not caught up), every call is answered with
 * `refusal()` (NOT_COORDINATOR with the leader hint) before any handler runs. Methods named in
 * `servedByEveryVoter` (DescribeQuorum) always run.
 */
export function leaderOnly<Service extends grpc.UntypedServiceImplementation>(
  handlers: Service,
  canServe: () => boolean,
  refusal: () => grpc.ServiceError | Error,
  servedByEveryVoter: readonly string[] = [],
): Service {
  const gated: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    if (servedByEveryVoter.includes(method)) {
      gated[method] = handler;
      continue;
    }
    const unary = handler as grpc.handleUnaryCall<unknown, unknown>;
    gated[method] = ((call, callback) => {
      if (canServe()) unary(call, callback);
      else callback(refusal() as grpc.ServiceError);
    }) satisfies grpc.handleUnaryCall<unknown, unknown>;
  }
  return gated as Service;
}
