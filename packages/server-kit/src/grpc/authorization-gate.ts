import { ErrorCode, grpcRequestError } from '@fjord/protocol';
import { authorizeRpc, formatPrincipal } from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import type { SecurityStateSource } from '../security/server-security.js';
import { securityContextOf } from './call-security.js';
import { RefusedRequest } from './request-guard.js';

/**
 * Wraps every unary handler of a service so that each call is authorized, with its decoded
 * request, before the handler runs: `authorizeRpc` over the node's current ACLs
 * (`state.authorizer()`; none: every call is allowed). A refused call is answered
 * PERMISSION_DENIED with TOPIC_/GROUP_/CLUSTER_/TRANSACTIONAL_ID_AUTHORIZATION_FAILED and a
 * message naming the RPC, the operation and the resource; otherwise the decision is left for
 * the handler (`authorizationOfCall`). An RPC without an authorization rule is refused, so a
 * new RPC cannot pass unchecked by omission.
 */
export function authorizedHandlers(
  definition: grpc.ServiceDefinition,
  handlers: grpc.UntypedServiceImplementation,
  state: SecurityStateSource,
): grpc.UntypedServiceImplementation {
  const wrapped: grpc.UntypedServiceImplementation = { ...handlers };
  for (const [api, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    const key = api in handlers ? api : method.originalName;
    const handler = key === undefined ? undefined : handlers[key];
    if (key === undefined || handler === undefined) continue;
    wrapped[key] = authorizedUnary(method.path, handler as grpc.handleUnaryCall<unknown, unknown>, state);
  }
  return wrapped;
}

function authorizedUnary(
  path: string,
  handler: grpc.handleUnaryCall<unknown, unknown>,
  state: SecurityStateSource,
): grpc.handleUnaryCall<unknown, unknown> {
  const rpc = path.replace(/^\//, '');
  return (call, callback) => {
    const context = securityContextOf(call);
    const principal = context && formatPrincipal(context.principal);
    if (context && principal) context.brokerId = state.brokerIdOf(principal);
    const authorizer = state.authorizer();
    // A request the guard refused is answered by the request adapter, with its own code.
    if (!authorizer || !context || !principal || call.request instanceof RefusedRequest) {
      handler(call, callback);
      return;
    }
    let decision: ReturnType<typeof authorizeRpc>;
    try {
      decision = authorizeRpc(
        authorizer,
        {
          principal: context.principal,
          host: context.host,
          ...(context.brokerId === undefined ? {} : { brokerId: context.brokerId }),
        },
        path,
        call.request,
      );
    } catch (error) {
      callback(
        grpcRequestError(
          grpc.status.PERMISSION_DENIED,
          ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          `${rpc}: refused: ${(error as Error).message}`,
        ),
      );
      return;
    }
    if (decision.refused) {
      callback(
        grpcRequestError(grpc.status.PERMISSION_DENIED, ErrorCode[decision.errorName], decision.message),
      );
      return;
    }
    context.authorization = {
      principal,
      deniedResources: decision.deniedResources,
      mayList: decision.mayList,
    };
    handler(call, callback);
  };
}
