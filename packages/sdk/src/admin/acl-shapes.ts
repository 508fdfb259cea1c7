import type { v1 } from '@fjord/protocol';

// Kafka's ACL vocabulary as KafkaJS spells it. The enum objects map each name to itself, so
// that KafkaJS code (`resourceType: AclResourceTypes.TOPIC`) ports unchanged and answers
// compare against the same constants; KafkaJS's numbers (Kafka's Java byte codes, e.g.
// TOPIC = 2) are accepted on input as well, for code that stored them.

/** Resource types (KafkaJS `AclResourceTypes`); ANY only in filters. */
export const AclResourceTypes = {
  ANY: 'ANY',
  TOPIC: 'TOPIC',
  GROUP: 'GROUP',
  CLUSTER: 'CLUSTER',
  TRANSACTIONAL_ID: 'TRANSACTIONAL_ID',
} as const;
export type AclResourceType = (typeof AclResourceTypes)[keyof typeof AclResourceTypes];

/** Pattern types (KafkaJS `ResourcePatternTypes`); ANY and MATCH only in filters. */
export const ResourcePatternTypes = {
  ANY: 'ANY',
  MATCH: 'MATCH',
  LITERAL: 'LITERAL',
  PREFIXED: 'PREFIXED',
} as const;
export type ResourcePatternType = (typeof ResourcePatternTypes)[keyof typeof ResourcePatternTypes];

/** Operations (KafkaJS `AclOperationTypes`); ANY only in filters. */
export const AclOperationTypes = {
  ANY: 'ANY',
  ALL: 'ALL',
  READ: 'READ',
  WRITE: 'WRITE',
  CREATE: 'CREATE',
  DELETE: 'DELETE',
  ALTER: 'ALTER',
  DESCRIBE: 'DESCRIBE',
  CLUSTER_ACTION: 'CLUSTER_ACTION',
  DESCRIBE_CONFIGS: 'DESCRIBE_CONFIGS',
  ALTER_CONFIGS: 'ALTER_CONFIGS',
  IDEMPOTENT_WRITE: 'IDEMPOTENT_WRITE',
} as const;
export type AclOperationType = (typeof AclOperationTypes)[keyof typeof AclOperationTypes];

/** Permissions (KafkaJS `AclPermissionTypes`); ANY only in filters. */
export const AclPermissionTypes = {
  ANY: 'ANY',
  DENY: 'DENY',
  ALLOW: 'ALLOW',
} as const;
export type AclPermissionType = (typeof AclPermissionTypes)[keyof typeof AclPermissionTypes];

// KafkaJS's numeric values (Kafka's Java enum codes); 0 is UNKNOWN in every enum.
const RESOURCE_TYPE_CODES: Readonly<Record<number, AclResourceType>> = {
  1: 'ANY',
  2: 'TOPIC',
  3: 'GROUP',
  4: 'CLUSTER',
  5: 'TRANSACTIONAL_ID',
};
const PATTERN_TYPE_CODES: Readonly<Record<number, ResourcePatternType>> = {
  1: 'ANY',
  2: 'MATCH',
  3: 'LITERAL',
  4: 'PREFIXED',
};
const OPERATION_CODES: Readonly<Record<number, AclOperationType>> = {
  1: 'ANY',
  2: 'ALL',
  3: 'READ',
  4: 'WRITE',
  5: 'CREATE',
  6: 'DELETE',
  7: 'ALTER',
  8: 'DESCRIBE',
  9: 'CLUSTER_ACTION',
  10: 'DESCRIBE_CONFIGS',
  11: 'ALTER_CONFIGS',
  12: 'IDEMPOTENT_WRITE',
};
const PERMISSION_CODES: Readonly<Record<number, AclPermissionType>> = { 1: 'ANY', 2: 'DENY', 3: 'ALLOW' };

/** The one name of the Cluster resource, as in Kafka. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';

/**
 * One ACL (Kafka's AclBinding, KafkaJS's `acl` entry). Enumerations take the upper-case name
 * (`'TOPIC'`, or `AclResourceTypes.TOPIC`) or KafkaJS's number; answers carry the name.
 */
export interface AclEntry {
  resourceType: AclResourceType | number;
  /** A topic, group or transactional id (`*` for every one); `kafka-cluster` for the Cluster. */
  resourceName: string;
  /** LITERAL (default) or PREFIXED. */
  resourcePatternType?: ResourcePatternType | number;
  /** `User:alice`, or `User:*` for every principal. */
  principal: string;
  /** A client IP address, or `*` (default) for every host. */
  host?: string;
  operation: AclOperationType | number;
  permissionType: AclPermissionType | number;
}

/**
 * Which ACLs {@link Admin.describeAcls} and {@link Admin.deleteAcls} select (Kafka's
 * AclBindingFilter). A field left out (or `null`, or ANY) matches anything; pattern type MATCH
 * selects every ACL that applies to `resourceName`: the literal one, the `*` wildcard and each
 * matching prefix.
 */
export interface AclFilter {
  resourceType?: AclResourceType | number | null;
  resourceName?: string | null;
  resourcePatternType?: ResourcePatternType | number | null;
  principal?: string | null;
  host?: string | null;
  operation?: AclOperationType | number | null;
  permissionType?: AclPermissionType | number | null;
}

/** An ACL as the cluster reports it: every field filled in, enumerations as names. */
export interface AclDescription {
  resourceType: AclResourceType;
  resourceName: string;
  resourcePatternType: ResourcePatternType;
  principal: string;
  host: string;
  operation: AclOperationType;
  permissionType: AclPermissionType;
}

/** The ACLs of one resource pattern, as KafkaJS's describeAcls groups them. */
export interface AclResource {
  resourceType: AclResourceType;
  resourceName: string;
  resourcePatternType: ResourcePatternType;
  acls: Array<{
    principal: string;
    host: string;
    operation: AclOperationType;
    permissionType: AclPermissionType;
  }>;
}

type Problems = string[];

function enumValue<T extends string>(
  value: unknown,
  names: Readonly<Record<string, T>>,
  codes: Readonly<Record<number, T>>,
  field: string,
  allowed: readonly T[],
  problems: Problems,
): T | undefined {
  const found =
    typeof value === 'number'
      ? codes[value]
      : typeof value === 'string'
        ? names[value.trim().toUpperCase()]
        : undefined;
  if (found === undefined || !allowed.includes(found)) {
    const numbers = Object.entries(codes)
      .filter(([, name]) => allowed.includes(name))
      .map(([code, name]) => `${name} (${code})`);
    problems.push(`${field} ${JSON.stringify(value)} is not one of ${numbers.join(', ')}`);
    return undefined;
  }
  return found;
}

const BINDING_RESOURCE_TYPES: readonly AclResourceType[] = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'];
const BINDING_PATTERN_TYPES: readonly ResourcePatternType[] = ['LITERAL', 'PREFIXED'];
const BINDING_OPERATIONS = Object.values(AclOperationTypes).filter((o) => o !== 'ANY');
const BINDING_PERMISSIONS: readonly AclPermissionType[] = ['ALLOW', 'DENY'];

// `Type:name` with a non-empty type and name, as Kafka's SecurityUtils.parseKafkaPrincipal.
function principalProblem(principal: unknown): string | undefined {
  if (typeof principal !== 'string') return 'principal must be a string such as "User:alice"';
  const colon = principal.indexOf(':');
  if (colon <= 0 || colon === principal.length - 1) {
    return `principal ${JSON.stringify(principal)} is not "Type:name" (e.g. "User:alice", "User:*")`;
  }
  return undefined;
}

function textProblem(value: unknown, field: string): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return `${field} must be a non-empty string`;
  return undefined;
}

/**
 * Checks one ACL to create and turns it into its wire form; problems are appended with
 * `where` in front (`acl[2]: ...`).
 */
export function aclBindingToWire(entry: AclEntry, where: string, problems: Problems): v1.AclBinding {
  const local: Problems = [];
  if (typeof entry !== 'object' || entry === null) {
    problems.push(`${where}: expected an object`);
    return {};
  }
  const resourceType = enumValue(
    entry.resourceType,
    AclResourceTypes,
    RESOURCE_TYPE_CODES,
    'resourceType',
    BINDING_RESOURCE_TYPES,
    local,
  );
  const patternType = enumValue(
    entry.resourcePatternType ?? 'LITERAL',
    ResourcePatternTypes,
    PATTERN_TYPE_CODES,
    'resourcePatternType',
    BINDING_PATTERN_TYPES,
    local,
  );
  const operation = enumValue(
    entry.operation,
    AclOperationTypes,
    OPERATION_CODES,
    'operation',
    BINDING_OPERATIONS,
    local,
  );
  const permission = enumValue(
    entry.permissionType,
    AclPermissionTypes,
    PERMISSION_CODES,
    'permissionType',
    BINDING_PERMISSIONS,
    local,
  );
  const nameProblem = textProblem(entry.resourceName, 'resourceName');
  if (nameProblem) local.push(nameProblem);
  else if (resourceType === 'CLUSTER' && entry.resourceName !== CLUSTER_RESOURCE_NAME) {
    local.push(
      `the Cluster resource is named "${CLUSTER_RESOURCE_NAME}", not ${JSON.stringify(entry.resourceName)}`,
    );
  }
  const principal = principalProblem(entry.principal);
  if (principal) local.push(principal);
  const host = entry.host ?? '*';
  const hostProblem = textProblem(host, 'host');
  if (hostProblem) local.push(hostProblem);
  problems.push(...local.map((p) => `${where}: ${p}`));
  return {
    resourceType: resourceType ?? '',
    resourceName: entry.resourceName,
    patternType: patternType ?? '',
    principal: entry.principal,
    host,
    operation: operation ?? '',
    permission: permission ?? '',
  };
}

/** Checks one filter and turns it into its wire form, where an empty string matches anything. */
export function aclFilterToWire(filter: AclFilter, where: string, problems: Problems): v1.AclBindingFilter {
  if (typeof filter !== 'object' || filter === null) {
    problems.push(`${where}: expected an object`);
    return {};
  }
  const local: Problems = [];
  const any = <T extends string>(
    value: unknown,
    names: Readonly<Record<string, T>>,
    codes: Readonly<Record<number, T>>,
    field: string,
  ): string => {
    if (value === undefined || value === null) return '';
    const found = enumValue(value, names, codes, field, Object.values(names), local);
    return found === undefined || found === 'ANY' ? '' : found;
  };
  const text = (value: unknown, field: string): string => {
    if (value === undefined || value === null) return '';
    const problem = textProblem(value, field);
    if (problem) local.push(problem);
    return typeof value === 'string' ? value : '';
  };
  const wire: v1.AclBindingFilter = {
    resourceType: any(filter.resourceType, AclResourceTypes, RESOURCE_TYPE_CODES, 'resourceType'),
    resourceName: text(filter.resourceName, 'resourceName'),
    patternType: any(
      filter.resourcePatternType,
      ResourcePatternTypes,
      PATTERN_TYPE_CODES,
      'resourcePatternType',
    ),
    principal: text(filter.principal, 'principal'),
    host: text(filter.host, 'host'),
    operation: any(filter.operation, AclOperationTypes, OPERATION_CODES, 'operation'),
    permission: any(filter.permissionType, AclPermissionTypes, PERMISSION_CODES, 'permissionType'),
  };
  if (wire.principal) {
    const problem = principalProblem(wire.principal);
    if (problem) local.push(problem);
  }
  if (wire.patternType === 'MATCH' && !wire.resourceName) {
    local.push('resourcePatternType MATCH needs a resourceName to match against');
  }
  problems.push(...local.map((p) => `${where}: ${p}`));
  return wire;
}

/** An ACL of an answer, in the SDK's shape. */
export function aclFromWire(binding: v1.AclBinding__Output): AclDescription {
  return {
    resourceType: binding.resourceType as AclResourceType,
    resourceName: binding.resourceName,
    resourcePatternType: binding.patternType as ResourcePatternType,
    principal: binding.principal,
    host: binding.host,
    operation: binding.operation as AclOperationType,
    permissionType: binding.permission as AclPermissionType,
  };
}

/** Groups ACLs by resource pattern, in first-seen order, as KafkaJS's describeAcls answers. */
export function groupByResource(acls: readonly AclDescription[]): AclResource[] {
  const resources = new Map<string, AclResource>();
  for (const acl of acls) {
    const key = JSON.stringify([acl.resourceType, acl.resourcePatternType, acl.resourceName]);
    let resource = resources.get(key);
    if (!resource) {
      resource = {
        resourceType: acl.resourceType,
        resourceName: acl.resourceName,
        resourcePatternType: acl.resourcePatternType,
        acls: [],
      };
      resources.set(key, resource);
    }
    resource.acls.push({
      principal: acl.principal,
      host: acl.host,
      operation: acl.operation,
      permissionType: acl.permissionType,
    });
  }
  return [...resources.values()];
}
