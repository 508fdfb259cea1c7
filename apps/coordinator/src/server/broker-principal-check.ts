import { ErrorCode } from '@fjord/protocol';
import type { CoordinatorSecurityState } from '../security/coordinator-security-state.js';

/**
 * Why a broker-only call for `brokerId` from `principal` is refused, or undefined. A broker id
 * belongs to the principal that first registered it; with `--authorizer none` nothing is
 * checked (every caller is anonymous there). The message names neither principal nor epoch.
 */
export function brokerPrincipalProblem(
  security: CoordinatorSecurityState,
  brokerId: number,
  principal: string,
): { errorCode: number; errorMessage: string } | undefined {
  if (!security.enabled) return undefined;
  const bound = security.principalOfBroker(brokerId);
  if (bound === principal) return undefined;
  return {
    errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    errorMessage:
      bound === undefined
        ? `broker ${brokerId} is not bound to this principal: register it first`
        : `broker ${brokerId} is bound to another principal`,
  };
}
