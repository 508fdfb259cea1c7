import { callerOfCall } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';

/** The principal of callers nobody authenticated (PLAINTEXT listeners, in-process callers). */
export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS';

/** The principal the server kit established for this call (`User:alice`, or {@link ANONYMOUS_PRINCIPAL}). */
export function principalOfCall<Req, Res>(call: grpc.ServerUnaryCall<Req, Res>): string {
  return callerOfCall(call).principal;
}
