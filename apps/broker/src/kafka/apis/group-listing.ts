import { ApiKey } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import type { KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { groupCoordinatorUnavailable } from './group-access.js';

/** Kafka's protocol type of consumer groups, classic and KIP-848 alike. */
const CONSUMER = 'consumer';

/**
 * ListGroups v0–5: every group of the coordinator, classic and Fjord-protocol (KIP-848) ones,
 * as consumer groups; v4 filters by state (Kafka's state names for classic groups, Fjord's
 * for its own), v5 by group type (`classic` or `consumer`, as Kafka names them; matched
 * without regard to case, as Kafka does) and names each group's type. Without DESCRIBE on the
 * Cluster only the groups the principal may DESCRIBE are listed, as Kafka does.
 */
export function listGroupsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.ListGroups,
    minVersion: 0,
    maxVersion: 5,
    notes:
      'Classic and Fjord-protocol (KIP-848) groups alike, as consumer groups; v4 filters by state, v5 by type (classic, consumer).',
    async handle(request, { access }) {
      const answer = await deps.coordinator.listGroups();
      const all = access.allowsOnCluster('DESCRIBE');
      const visible = (groupId: string) => all || access.allows('DESCRIBE', 'GROUP', groupId);
      const states = (request.statesFilter as string[] | undefined) ?? [];
      const types = (request.typesFilter as string[] | undefined) ?? [];
      const wanted = (filter: readonly string[], value: string) =>
        filter.length === 0 || filter.some((f) => f.toLowerCase() === value.toLowerCase());
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        groups: answer.groups
          .filter((g) => wanted(states, g.state) && wanted(types, g.protocol) && visible(g.groupId))
          .map((g) => ({
            groupId: g.groupId,
            protocolType: CONSUMER,
            groupState: g.state,
            groupType: g.protocol,
          })),
      };
    },
    unavailable: () => ({ ...groupCoordinatorUnavailable(), groups: [] }),
  };
}

/**
 * DescribeGroups v0–5: state, protocol type, the assignor chosen (protocol data) and members
 * with their client ids and the subscription and assignment bytes they sent. Fjord-protocol
 * groups have no such bytes (server-side assignment) and are shown with empty ones.
 * Authorized operations (v3) are not computed (Kafka's "not requested" value). A group the
 * principal may not DESCRIBE is answered GROUP_AUTHORIZATION_FAILED.
 */
export function describeGroupsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DescribeGroups,
    minVersion: 0,
    maxVersion: 5,
    notes:
      "Classic groups with their members' subscription and assignment bytes; Fjord-protocol groups with empty ones. An unknown group is Dead.",
    async handle(request, { access }) {
      const ids = request.groups as string[];
      const allowed = access.allowedNames('DESCRIBE', 'GROUP', ids);
      const described = await Promise.all(
        ids.map((groupId) =>
          allowed.has(groupId) ? deps.coordinator.describeGroup({ groupId }) : undefined,
        ),
      );
      return {
        throttleTimeMs: 0,
        groups: described.map((g, i) => {
          if (g === undefined) return describedError(ids[i] as string, ErrorCode.GROUP_AUTHORIZATION_FAILED);
          if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) {
            // Kafka describes an unknown group as Dead, without an error.
            return {
              errorCode: ErrorCode.NONE,
              groupId: ids[i],
              groupState: 'Dead',
              protocolType: '',
              protocolData: '',
              members: [],
            };
          }
          return {
            errorCode: g.errorCode,
            groupId: ids[i],
            groupState: g.state,
            protocolType: g.protocol === 'classic' ? g.protocolType : CONSUMER,
            protocolData: g.protocol === 'classic' ? g.protocolName : g.assignor,
            members: g.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.instanceId === '' ? null : m.instanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              memberMetadata: m.classicMetadata,
              memberAssignment: m.classicAssignment,
            })),
          };
        }),
      };
    },
    unavailable: (request) => ({
      throttleTimeMs: 0,
      groups: (request.groups as string[]).map((groupId) =>
        describedError(groupId, ErrorCode.COORDINATOR_NOT_AVAILABLE),
      ),
    }),
  };
}

/** A DescribeGroups entry with an error only. */
function describedError(groupId: string, errorCode: number) {
  return { errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
}
