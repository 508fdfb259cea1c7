import { listenerOfCall } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';
import { isNotCoordinatorError, pointLeaderHint } from '../quorum/not-coordinator-error.js';

/** What {@link leaderOnly} asks of the quorum. */
export interface LeaderGate {
  /** Whether this coordinator serves now (a ready leader). */
  canServe(): boolean;
  /** NOT_COORDINATOR with the leader's address on listener `listenerName` (that of the call). */
  refusal(listenerName: string | undefined): Error;
  /** Voter `id`'s address on listener `listenerName`; undefined when it has none there. */
  voterAddress(id: number, listenerName: string | undefined): string | undefined;
}

/**
 * Wraps a service's handlers so that, while this coordinator cannot serve (it does not lead
 * the quorum, or was just elected and has not caught up), every call is answered with
 * `gate.refusal()` (NOT_COORDINATOR with the leader hint) before any handler runs. Methods
 * named in `servedByEveryVoter` (DescribeQuorum) always run. A NOT_COORDINATOR a handler
 * answers (leadership lost during the call) gets its hint pointed at the leader's address on
 * the listener the call came in on, as the gate's own refusals have: a client of a CLIENT
 * listener is never sent to an INTERNAL address.
 */
export function leaderOnly<Service extends grpc.UntypedServiceImplementation>(
  handlers: Service,
  gate: LeaderGate,
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
      const listenerName = listenerOfCall(call);
      if (!gate.canServe()) {
        callback(gate.refusal(listenerName) as grpc.ServiceError);
        return;
      }
      unary(call, (error, ...rest) => {
        if (isNotCoordinatorError(error) && error.leaderId !== undefined) {
          pointLeaderHint(error, gate.voterAddress(error.leaderId, listenerName));
        }
        callback(error, ...rest);
      });
    }) satisfies grpc.handleUnaryCall<unknown, unknown>;
  }
  return gated as Service;
}
