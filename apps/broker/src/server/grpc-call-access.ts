import { authorizationOfCall, callerOfCall } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';
import { awaitingSecurityStateError } from '../security/awaiting-state-authorizer.js';
import type { BrokerSecurityState } from '../security/broker-security-state.js';
import type { CallAccess } from './call-access.js';

/** The metadata key the SDK sends its client id in (Kafka's client.id). */
export const CLIENT_ID_METADATA_KEY = 'fjord-client-id';

/**
 * Longest client id kept for a quota key: ids that agree on their first 256 characters share
 * one quota, which bounds what a client can make the broker keep per id.
 */
export const MAX_QUOTA_CLIENT_ID_LENGTH = 256;

type Call = grpc.ServerUnaryCall<unknown, unknown>;

/**
 * What the gRPC server established about a BrokerService call: the topics its authorization
 * denied (answered per partition) and whom the quotas count it against (no one for a replica's
 * call: replication is not a client's traffic).
 */
export function grpcCallAccess(call: Call, replicaRequest: boolean): CallAccess {
  const deniedTopics = new Set<string>();
  for (const denied of authorizationOfCall(call).deniedResources) {
    if (denied.resourceType === 'TOPIC' && denied.effect === 'per-resource-error')
      deniedTopics.add(denied.name);
  }
  if (replicaRequest) return { deniedTopics };
  const [clientId] = call.metadata.get(CLIENT_ID_METADATA_KEY);
  return {
    deniedTopics,
    quotaClient: {
      principal: callerOfCall(call).principal,
      clientId: typeof clientId === 'string' ? clientId.slice(0, MAX_QUOTA_CLIENT_ID_LENGTH) : '',
    },
  };
}

/**
 * Before the broker's first copy of the ACLs, the server kit lets calls through unchecked
 * (see BrokerSecurityState.grpcServerState): only super users are served then, and not for a
 * replica's call, whose broker id cannot be checked without the broker bindings. Everyone else
 * gets a retriable refusal (UNAVAILABLE, BROKER_NOT_AVAILABLE), as from a restarting broker.
 */
export function admitBeforeSecurityState(
  security: BrokerSecurityState | undefined,
  call: Call,
  replicaRequest: boolean,
): void {
  if (!security?.awaitingFirstCopy) return;
  if (!replicaRequest && security.isSuperUser(callerOfCall(call).principal)) return;
  throw awaitingSecurityStateError();
}
