import type * as grpc from '@grpc/grpc-js';

/** The principal of callers the server kit has not authenticated (PLAINTEXT listeners). */
export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS';

/**
 * The principal the server kit established for this call (`User:alice`). The kit's
 * `callerOfCall` is not on main yet: until it is, every caller is {@link ANONYMOUS_PRINCIPAL},
 * which is what a PLAINTEXT caller is under the contract.
 */
export function principalOfCall<Req, Res>(_call: grpc.ServerUnaryCall<Req, Res>): string {
  return ANONYMOUS_PRINCIPAL;
}
