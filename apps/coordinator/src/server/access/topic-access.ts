import { ErrorCode } from '@fjord/protocol';
import { parsePrincipal, type StandardAuthorizer } from '@fjord/security';
import { authorizationOfCall, callerOfCall } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';

/** A per-topic error of an answer. */
export interface TopicDenial {
  readonly errorCode: number;
  readonly errorMessage: string;
}

/**
 * What the caller of one call may do with topics, from the server kit's decision on the call:
 * the topics its request names that it may not use (answered TOPIC_AUTHORIZATION_FAILED, as
 * Kafka does, while the rest of the request goes ahead), and which topics a listing shows it
 * (those it may DESCRIBE; Kafka's Metadata of all topics leaves the others out).
 */
export interface TopicAccess {
  /** The error for a topic the request names and the caller may not use, if any. */
  denied(name: string): TopicDenial | undefined;
  /** Whether a listing of every topic shows this one to the caller. */
  mayList(name: string): boolean;
}

/** Everything allowed: no authorizer, or a caller inside the process (tests, tools). */
export const EVERY_TOPIC: TopicAccess = { denied: () => undefined, mayList: () => true };

/**
 * The topic access of a call. `operation` words the refusal (`create`, `describe`); the rule of
 * which operation each RPC needs lives in @fjord/security's RPC_AUTHORIZATION.
 */
export function topicAccessOfCall<Req, Res>(
  call: grpc.ServerUnaryCall<Req, Res>,
  authorizer: StandardAuthorizer | undefined,
  operation: string,
): TopicAccess {
  if (!authorizer) return EVERY_TOPIC;
  const decision = authorizationOfCall(call);
  const denied = new Set(
    decision.deniedResources.filter((d) => d.resourceType === 'TOPIC').map((d) => d.name),
  );
  const caller = callerOfCall(call);
  const principal = parsePrincipal(caller.principal);
  return {
    denied: (name) =>
      denied.has(name)
        ? {
            errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
            errorMessage: `${caller.principal} is not authorized to ${operation} topic "${name}"`,
          }
        : undefined,
    mayList: (name) =>
      authorizer.authorize({
        principal,
        host: caller.host,
        operation: 'DESCRIBE',
        resourceType: 'TOPIC',
        resourceName: name,
      }).allowed,
  };
}
