import { ErrorCode } from '@fjord/protocol';
import type { QuotaClient } from '../quotas/client-quotas.js';
import type { PartitionResolver, Resolution } from './partition-resolver.js';

/** What the server established about one call, for the BrokerService handlers. */
export interface CallAccess {
  /**
   * Topics of the request the caller may not use: their partitions are answered
   * TOPIC_AUTHORIZATION_FAILED and the rest of the request goes ahead, as Kafka does.
   */
  readonly deniedTopics: ReadonlySet<string>;
  /** Whom the byte-rate quotas count this call against; absent: not counted (replica fetch). */
  readonly quotaClient?: QuotaClient;
}

/** A call with nothing denied and no quota (in-process callers, tests). */
export const UNRESTRICTED_ACCESS: CallAccess = { deniedTopics: new Set() };

/**
 * Resolves the partitions of one request, answering those of denied topics with
 * TOPIC_AUTHORIZATION_FAILED without looking them up (no metadata refresh for them, and
 * nothing said about whether they exist). The message names neither the topic nor any other
 * value of the request.
 */
export async function resolveAllowed(
  resolver: PartitionResolver,
  requested: ReadonlyArray<{ topic: string; partition: number }>,
  access: CallAccess,
  operation: string,
): Promise<Resolution[]> {
  if (access.deniedTopics.size === 0) return resolver.resolveAll(requested);
  const allowed = requested.filter((r) => !access.deniedTopics.has(r.topic));
  const resolved = await resolver.resolveAll(allowed);
  let next = 0;
  return requested.map((r) => (access.deniedTopics.has(r.topic) ? denied(operation) : resolved[next++]!));
}

/** As {@link PartitionResolver.resolveCurrent}, keeping denied topics denied. */
export function resolveCurrentAllowed(
  resolver: PartitionResolver,
  topic: string,
  partition: number,
  access: CallAccess,
  operation: string,
): Resolution {
  return access.deniedTopics.has(topic) ? denied(operation) : resolver.resolveCurrent(topic, partition);
}

function denied(operation: string): Resolution {
  return {
    ok: false,
    errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    errorMessage: `not authorized to ${operation} this topic`,
  };
}
