import type { KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import type { AclOperation } from '@fjord/security';
import type { KafkaRequestContext } from '../api.js';

/**
 * The answer of a group API whose response has one top-level error code: every other field
 * takes its Kafka default when encoded.
 */
export const groupErrorResponse = (errorCode: number): KafkaStruct => ({ throttleTimeMs: 0, errorCode });

/**
 * GROUP_AUTHORIZATION_FAILED when the principal may not do `operation` on the request's
 * group, else undefined (Kafka refuses the whole group request).
 */
export function refuseGroup(
  request: KafkaStruct,
  { access }: KafkaRequestContext,
  operation: AclOperation,
): KafkaStruct | undefined {
  return access.allows(operation, 'GROUP', request.groupId as string)
    ? undefined
    : groupErrorResponse(ErrorCode.GROUP_AUTHORIZATION_FAILED);
}

/** No coordinator leader: COORDINATOR_NOT_AVAILABLE, on which Kafka clients look the coordinator up again. */
export const groupCoordinatorUnavailable = (): KafkaStruct =>
  groupErrorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE);
