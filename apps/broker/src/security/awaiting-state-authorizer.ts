import { ErrorCode, grpcRequestError } from '@fjord/protocol';
import {
  type AclOperation,
  type AuthorizationRequest,
  type AuthorizationResult,
  formatPrincipal,
  type KafkaPrincipal,
  type ResourceType,
  StandardAuthorizer,
} from '@fjord/security';
import * as grpc from '@grpc/grpc-js';

/** What a caller other than a super user is told while the broker has no copy of the ACLs yet. */
export const AWAITING_SECURITY_STATE_MESSAGE =
  'this broker has not loaded the cluster ACLs from the coordinator yet; retry shortly';

/**
 * The authorizer of a broker that has not received its first copy of the ACLs (Kafka's
 * StandardAuthorizer before loading completes): super users are allowed, as they would be
 * whatever the ACLs say; anyone else gets a retriable refusal, thrown as a gRPC UNAVAILABLE
 * carrying BROKER_NOT_AVAILABLE, never a denial. Denying would be wrong (the ACLs may allow
 * the call) and non-retriable; allowing would be unsafe. Kafka throws
 * AuthorizerNotReadyException, a RetriableException, at the same point.
 */
export class AwaitingStateAuthorizer extends StandardAuthorizer {
  readonly #superUsers: ReadonlySet<string>;

  constructor(superUsers: readonly string[]) {
    super({ superUsers });
    this.#superUsers = new Set(superUsers);
  }

  override authorize(request: AuthorizationRequest): AuthorizationResult {
    if (this.#superUsers.has(formatPrincipal(request.principal)))
      return { allowed: true, reason: 'super-user' };
    throw awaitingSecurityStateError();
  }

  override authorizeByResourceType(
    principal: KafkaPrincipal,
    _host: string,
    _operation: AclOperation,
    _resourceType: ResourceType,
  ): boolean {
    if (this.#superUsers.has(formatPrincipal(principal))) return true;
    throw awaitingSecurityStateError();
  }
}

/** The retriable refusal of {@link AwaitingStateAuthorizer}. */
export function awaitingSecurityStateError(): grpc.ServiceError {
  return grpcRequestError(
    grpc.status.UNAVAILABLE,
    ErrorCode.BROKER_NOT_AVAILABLE,
    AWAITING_SECURITY_STATE_MESSAGE,
  );
}
