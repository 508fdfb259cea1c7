import type * as grpc from '@grpc/grpc-js';
import type { CallAccess } from './call-access.js';

/** The metadata key the SDK sends its client id in (Kafka's client.id). */
export const CLIENT_ID_METADATA_KEY = 'fjord-client-id';

/**
 * Longest client id kept for a quota key: ids that agree on their first 256 characters share
 * one quota, which bounds what a client can make the broker keep per id.
 */
export const MAX_QUOTA_CLIENT_ID_LENGTH = 256;

/** The principal of a call on a listener without authentication (Kafka's `User:ANONYMOUS`). */
const ANONYMOUS = 'User:ANONYMOUS';

/**
 * What the gRPC server established about a BrokerService call: the topics its authorization
 * denied (answered per partition) and whom the quotas count it against.
 */
export function grpcCallAccess(call: grpc.ServerUnaryCall<unknown, unknown>): CallAccess {
  const [clientId] = call.metadata.get(CLIENT_ID_METADATA_KEY);
  return {
    deniedTopics: new Set(),
    quotaClient: {
      principal: ANONYMOUS,
      clientId: typeof clientId === 'string' ? clientId.slice(0, MAX_QUOTA_CLIENT_ID_LENGTH) : '',
    },
  };
}
