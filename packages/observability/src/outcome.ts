import { ERROR_CODE_METADATA_KEY, errorInfo } from '@fjord/protocol';
import { status as GrpcStatus, type Metadata } from '@grpc/grpc-js';

/** The `outcome` label of a request that succeeded. */
export const OK_OUTCOME = 'ok';

/** What a handler passes to grpc-js as an error: a ServiceError or a plain status object. */
export interface HandlerError {
  code?: number;
  metadata?: Metadata;
}

const STATUS_NAMES = new Map<number, string>(
  Object.entries(GrpcStatus)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, code]) => [code, name]),
);

/**
 * The `outcome` label of a failed request: the Fjord error name when the error carries one
 * in its `fjord-error-code` trailer (e.g. `INVALID_REQUIRED_ACKS`, more telling than the
 * gRPC status), else the gRPC status name (`INTERNAL`, `CANCELLED`, …). Both sets are
 * small and fixed, so the label's cardinality stays bounded.
 */
export function requestOutcome(error: HandlerError): string {
  const fjordCode = error.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
  if (fjordCode !== undefined) {
    const code = Number(fjordCode.toString());
    if (Number.isInteger(code)) return errorInfo(code).name;
  }
  // grpc-js answers UNKNOWN for an error without a code.
  return STATUS_NAMES.get(error.code ?? GrpcStatus.UNKNOWN) ?? `STATUS_${error.code}`;
}
