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
  return (call, callback) => {
    // A request the guard refused is answered by the request adapter, with its own code.
    if (call.request instanceof RefusedRequest) {
      handler(call, callback);
      return;
    }
    const refusal = authorizeCallMessage(call, state, path, call.request);
    if (refusal) callback(refusal);
    else handler(call, callback);
  };
}

/**
 * Authorizes one message of a call as the gate authorizes a unary request, for streaming RPCs
 * (which the gate leaves to their handler): each request message of a stream is checked
 * against the node's current ACLs with `authorizeRpc`. Returns the refusal to end the call
 * with, or undefined; then `authorizationOfCall(call)` holds the decision for this message
 * (the denied resources to answer with their error codes).
 */
export function authorizeCallMessage(
  call: { metadata: grpc.Metadata },
  state: SecurityStateSource,
  path: string,
  message: unknown,
): grpc.ServiceError | undefined {
  const rpc = path.replace(/^\//, '');
  const context = securityContextOf(call);
  const principal = context && formatPrincipal(context.principal);
  if (context && principal) context.brokerId = state.brokerIdOf(principal);
  const authorizer = state.authorizer();
  if (!authorizer || !context || !principal) return undefined;
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
      message,
    );
  } catch (error) {
    return grpcRequestError(
      grpc.status.PERMISSION_DENIED,
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      `${rpc}: refused: ${(error as Error).message}`,
    );
  }
  if (decision.refused)
    return grpcRequestError(grpc.status.PERMISSION_DENIED, ErrorCode[decision.errorName], decision.message);
  context.authorization = {
    principal,
    deniedResources: decision.deniedResources,
    mayList: decision.mayList,
  };
  return undefined;
}
