import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode, type v1 } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';
import { aclCodes, aclNames, UnsupportedAclCodeError } from './acl-codes.js';

/** Kafka 4.0's oldest (KIP-896 removed v0), and KafkaJS 2.2's newest. */
const OLDEST_ACL_VERSION = 1;
const NEWEST_ACL_VERSION = 3;

const CLUSTER_REFUSED = 'Cluster authorization failed.';

/** A Kafka ACL filter (nullable names) as security.proto's AclBindingFilter (empty = any). */
function protoFilter(filter: KafkaStruct): v1.AclBindingFilter {
  const names = aclNames(
    {
      resourceType: filter.resourceTypeFilter as number,
      patternType: filter.patternTypeFilter as number,
      operation: filter.operation as number,
      permissionType: filter.permissionType as number,
    },
    true,
  );
  return {
    resourceType: names.resourceType,
    resourceName: (filter.resourceNameFilter as string | null) ?? '',
    patternType: names.patternType,
    principal: (filter.principalFilter as string | null) ?? '',
    host: (filter.hostFilter as string | null) ?? '',
    operation: names.operation,
    permission: names.permission,
  };
}

/** Describes the bindings grouped by resource pattern, as DescribeAcls answers them. */
function byResource(acls: readonly v1.AclBinding__Output[]): KafkaStruct[] {
  const resources = new Map<string, KafkaStruct & { acls: KafkaStruct[] }>();
  for (const acl of acls) {
    const codes = aclCodes(acl);
    const key = JSON.stringify([acl.resourceType, acl.resourceName, acl.patternType]);
    let resource = resources.get(key);
    if (!resource) {
      resource = {
        resourceType: codes.resourceType,
        resourceName: acl.resourceName,
        patternType: codes.patternType,
        acls: [],
      };
      resources.set(key, resource);
    }
    resource.acls.push({
      principal: acl.principal,
      host: acl.host,
      operation: codes.operation,
      permissionType: codes.permissionType,
    });
  }
  return [...resources.values()];
}

/**
 * CreateAcls v1–3, forwarded to the coordinator's SecurityService once the broker has checked
 * ALTER on the Cluster (else every creation is answered CLUSTER_AUTHORIZATION_FAILED). A
 * binding with a code Fjord has no counterpart for (delegation tokens, users) is answered
 * INVALID_REQUEST on its own.
 */
export function createAclsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.CreateAcls,
    minVersion: OLDEST_ACL_VERSION,
    maxVersion: NEWEST_ACL_VERSION,
    notes:
      'Needs ALTER on the Cluster; forwarded to the coordinator (the ACLs live in the metadata log). Topic, Group, Cluster and TransactionalId resources.',
    async handle(request, { access }) {
      const creations = asStructs(request.creations);
      if (!access.allowsOnCluster('ALTER')) {
        return createResults(creations.map(() => [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, CLUSTER_REFUSED]));
      }
      const converted = creations.map((c): v1.AclBinding | UnsupportedAclCodeError => {
        try {
          const names = aclNames(
            {
              resourceType: c.resourceType as number,
              patternType: c.resourcePatternType as number,
              operation: c.operation as number,
              permissionType: c.permissionType as number,
            },
            false,
          );
          return {
            resourceType: names.resourceType,
            resourceName: c.resourceName as string,
            patternType: names.patternType,
            principal: c.principal as string,
            host: c.host as string,
            operation: names.operation,
            permission: names.permission,
          };
        } catch (error) {
          if (error instanceof UnsupportedAclCodeError) return error;
          throw error;
        }
      });
      const valid = converted.filter((c): c is v1.AclBinding => !(c instanceof Error));
      const answer =
        valid.length > 0 ? await deps.coordinator.createAcls({ creations: valid }) : { results: [] };
      let next = 0;
      return createResults(
        converted.map((c): [number, string | null] => {
          if (c instanceof Error) return [ErrorCode.INVALID_REQUEST, c.message];
          const result = answer.results[next++];
          return result && result.errorCode !== ErrorCode.NONE
            ? [result.errorCode, result.errorMessage || null]
            : [result ? ErrorCode.NONE : ErrorCode.UNKNOWN_SERVER_ERROR, null];
        }),
      );
    },
    unavailable: (request, _context, message) =>
      createResults(asStructs(request.creations).map(() => [ErrorCode.COORDINATOR_NOT_AVAILABLE, message])),
  };
}

function createResults(results: ReadonlyArray<readonly [number, string | null]>): KafkaStruct {
  return {
    throttleTimeMs: 0,
    results: results.map(([errorCode, errorMessage]) => ({ errorCode, errorMessage })),
  };
}

/** DescribeAcls v1–3: needs DESCRIBE on the Cluster (CLUSTER_AUTHORIZATION_FAILED), forwarded. */
export function describeAclsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DescribeAcls,
    minVersion: OLDEST_ACL_VERSION,
    maxVersion: NEWEST_ACL_VERSION,
    notes: 'Needs DESCRIBE on the Cluster; forwarded to the coordinator.',
    async handle(request, { access }) {
      if (!access.allowsOnCluster('DESCRIBE'))
        return describeError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, CLUSTER_REFUSED);
      let filter: v1.AclBindingFilter;
      try {
        filter = protoFilter(request);
      } catch (error) {
        if (error instanceof UnsupportedAclCodeError)
          return describeError(ErrorCode.INVALID_REQUEST, error.message);
        throw error;
      }
      const answer = await deps.coordinator.describeAcls({ filter });
      if (answer.errorCode !== ErrorCode.NONE)
        return describeError(answer.errorCode, answer.errorMessage || null);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        resources: byResource(answer.acls),
      };
    },
    unavailable: (_request, _context, message) => describeError(ErrorCode.COORDINATOR_NOT_AVAILABLE, message),
  };
}

function describeError(errorCode: number, errorMessage: string | null): KafkaStruct {
  return { throttleTimeMs: 0, errorCode, errorMessage, resources: [] };
}

/** DeleteAcls v1–3: needs ALTER on the Cluster (CLUSTER_AUTHORIZATION_FAILED per filter), forwarded. */
export function deleteAclsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DeleteAcls,
    minVersion: OLDEST_ACL_VERSION,
    maxVersion: NEWEST_ACL_VERSION,
    notes:
      'Needs ALTER on the Cluster; forwarded to the coordinator. Each filter answers the ACLs it deleted.',
    async handle(request, { access }) {
      const filters = asStructs(request.filters);
      const failAll = (errorCode: number, errorMessage: string | null) => ({
        throttleTimeMs: 0,
        filterResults: filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
      });
      if (!access.allowsOnCluster('ALTER'))
        return failAll(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, CLUSTER_REFUSED);
      const converted = filters.map((f): v1.AclBindingFilter | UnsupportedAclCodeError => {
        try {
          return protoFilter(f);
        } catch (error) {
          if (error instanceof UnsupportedAclCodeError) return error;
          throw error;
        }
      });
      const valid = converted.filter((f): f is v1.AclBindingFilter => !(f instanceof Error));
      const answer =
        valid.length > 0 ? await deps.coordinator.deleteAcls({ filters: valid }) : { results: [] };
      let next = 0;
      return {
        throttleTimeMs: 0,
        filterResults: converted.map((f) => {
          if (f instanceof Error)
            return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: f.message, matchingAcls: [] };
          const result = answer.results[next++];
          if (!result)
            return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null, matchingAcls: [] };
          return {
            errorCode: result.errorCode,
            errorMessage: result.errorCode === ErrorCode.NONE ? null : result.errorMessage || null,
            matchingAcls: result.deleted.map((acl) => ({
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              ...aclCodes(acl),
              resourceName: acl.resourceName,
              principal: acl.principal,
              host: acl.host,
            })),
          };
        }),
      };
    },
    unavailable: (request, _context, message) => ({
      throttleTimeMs: 0,
      filterResults: asStructs(request.filters).map(() => ({
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: message,
        matchingAcls: [],
      })),
    }),
  };
}
