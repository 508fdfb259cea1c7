import { ApiKey } from '@fjord/kafka-protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { groupCoordinatorUnavailable, refuseGroup } from './group-access.js';

/** Extra time a forwarded JoinGroup gets beyond the rebalance timeout it waits for. */
const JOIN_GRACE_MS = 5_000;

/**
 * JoinGroup v0–9, forwarded to the coordinator's classic group protocol (brief §14). It
 * answers once the rebalance completes. Member ids are given on the first join (the
 * MEMBER_ID_REQUIRED round trip of v4+ is never asked for, which Kafka permits). The v8
 * reason is logged by nobody (informational); skipAssignment (v9) is never set, since static
 * leaders are always sent the members.
 */
export function joinGroupApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.JoinGroup,
    minVersion: 0,
    maxVersion: 9,
    notes:
      "Forwarded to the coordinator's classic group protocol; answers when the rebalance completes. Member ids are given on the first join.",
    async handle(request, context) {
      const { header } = context;
      const refused = refuseGroup(request, context, 'READ');
      if (refused) return refused;
      const sessionTimeoutMs = request.sessionTimeoutMs as number;
      const rebalanceTimeoutMs =
        header.apiVersion >= 1 ? (request.rebalanceTimeoutMs as number) : sessionTimeoutMs;
      const answer = await deps.coordinator.joinGroup(
        {
          groupId: request.groupId as string,
          sessionTimeoutMs,
          rebalanceTimeoutMs,
          memberId: request.memberId as string,
          instanceId: (request.groupInstanceId as string | null) ?? '',
          protocolType: request.protocolType as string,
          protocols: asStructs(request.protocols).map((p) => ({
            name: p.name as string,
            metadata: p.metadata as Buffer,
          })),
          clientId: header.clientId ?? '',
          clientHost: '',
        },
        Math.max(rebalanceTimeoutMs, 0) + JOIN_GRACE_MS,
      );
      return {
        throttleTimeMs: 0,
        errorCode: answer.errorCode,
        generationId: answer.generationId,
        protocolType: answer.protocolType,
        protocolName: answer.protocolName,
        leader: answer.leader,
        memberId: answer.memberId,
        members: answer.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.instanceId === '' ? null : m.instanceId,
          metadata: m.metadata,
        })),
      };
    },
    unavailable: groupCoordinatorUnavailable,
  };
}

/** SyncGroup v0–5, forwarded: the leader's assignments go to every member; v5's protocol type and name are checked. */
export function syncGroupApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.SyncGroup,
    minVersion: 0,
    maxVersion: 5,
    notes: "Forwarded; the leader's client-side assignment reaches every member.",
    async handle(request, context) {
      const refused = refuseGroup(request, context, 'READ');
      if (refused) return refused;
      const answer = await deps.coordinator.syncGroup(
        {
          groupId: request.groupId as string,
          generationId: request.generationId as number,
          memberId: request.memberId as string,
          instanceId: (request.groupInstanceId as string | null) ?? '',
          protocolType: (request.protocolType as string | null) ?? '',
          protocolName: (request.protocolName as string | null) ?? '',
          assignments: asStructs(request.assignments).map((a) => ({
            memberId: a.memberId as string,
            assignment: a.assignment as Buffer,
          })),
        },
        // A follower waits for the leader, which has up to its session timeout.
        120_000,
      );
      return {
        throttleTimeMs: 0,
        errorCode: answer.errorCode,
        protocolType: answer.protocolType || null,
        protocolName: answer.protocolName || null,
        assignment: answer.assignment,
      };
    },
    unavailable: groupCoordinatorUnavailable,
  };
}

/** Heartbeat v0–4, forwarded. */
export function heartbeatApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.Heartbeat,
    minVersion: 0,
    maxVersion: 4,
    notes: 'Forwarded; REBALANCE_IN_PROGRESS asks the member to rejoin.',
    async handle(request, context) {
      const refused = refuseGroup(request, context, 'READ');
      if (refused) return refused;
      const answer = await deps.coordinator.heartbeat({
        groupId: request.groupId as string,
        generationId: request.generationId as number,
        memberId: request.memberId as string,
        instanceId: (request.groupInstanceId as string | null) ?? '',
      });
      return { throttleTimeMs: 0, errorCode: answer.errorCode };
    },
    unavailable: groupCoordinatorUnavailable,
  };
}

/** LeaveGroup v0–5 (v3+ leaves several members, by member or instance id; v5's reason is informational), forwarded. */
export function leaveGroupApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.LeaveGroup,
    minVersion: 0,
    maxVersion: 5,
    notes: 'Forwarded; v3 leaves several members by member or instance id.',
    async handle(request, context) {
      const { header } = context;
      const refused = refuseGroup(request, context, 'READ');
      if (refused) return refused;
      const members =
        header.apiVersion >= 3
          ? asStructs(request.members).map((m) => ({
              memberId: m.memberId as string,
              instanceId: (m.groupInstanceId as string | null) ?? '',
            }))
          : [{ memberId: request.memberId as string, instanceId: '' }];
      const answer = await deps.coordinator.leaveGroup({
        groupId: request.groupId as string,
        members,
      });
      const results = answer.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.instanceId === '' ? null : m.instanceId,
        errorCode: m.errorCode,
      }));
      // Before v3 the one member's error is the request's.
      const errorCode =
        header.apiVersion >= 3 ? answer.errorCode : (results[0]?.errorCode ?? answer.errorCode);
      return { throttleTimeMs: 0, errorCode, members: results };
    },
    unavailable: groupCoordinatorUnavailable,
  };
}
