// Kafka's wire codes of the ACL enums (org.apache.kafka.common.resource.ResourceType,
// PatternType, acl.AclOperation, acl.AclPermissionType) and their names in security.proto,
// which spells them as Kafka's Java enums. ANY (and MATCH) exist in filters only.

const RESOURCE_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'ANY'],
  [2, 'TOPIC'],
  [3, 'GROUP'],
  [4, 'CLUSTER'],
  [5, 'TRANSACTIONAL_ID'],
]);
const PATTERN_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'ANY'],
  [2, 'MATCH'],
  [3, 'LITERAL'],
  [4, 'PREFIXED'],
]);
const OPERATIONS: ReadonlyMap<number, string> = new Map([
  [1, 'ANY'],
  [2, 'ALL'],
  [3, 'READ'],
  [4, 'WRITE'],
  [5, 'CREATE'],
  [6, 'DELETE'],
  [7, 'ALTER'],
  [8, 'DESCRIBE'],
  [9, 'CLUSTER_ACTION'],
  [10, 'DESCRIBE_CONFIGS'],
  [11, 'ALTER_CONFIGS'],
  [12, 'IDEMPOTENT_WRITE'],
]);
const PERMISSIONS: ReadonlyMap<number, string> = new Map([
  [1, 'ANY'],
  [2, 'DENY'],
  [3, 'ALLOW'],
]);

/** A code Fjord has no counterpart for (UNKNOWN, DELEGATION_TOKEN, USER, CREATE_TOKENS...). */
export class UnsupportedAclCodeError extends Error {
  override readonly name = 'UnsupportedAclCodeError';
}

function nameOf(table: ReadonlyMap<number, string>, what: string, code: number, filter: boolean): string {
  const name = table.get(code);
  if (name === undefined || (!filter && (name === 'ANY' || name === 'MATCH')))
    throw new UnsupportedAclCodeError(
      `${what} ${code} is not supported${filter ? '' : ' in an ACL binding'}`,
    );
  return name;
}

function codeOf(table: ReadonlyMap<number, string>, name: string): number {
  for (const [code, entry] of table) if (entry === name) return code;
  return 0; // UNKNOWN
}

/** Kafka's (resourceType, patternType, operation, permissionType) codes as proto names. */
export function aclNames(
  codes: { resourceType: number; patternType: number; operation: number; permissionType: number },
  filter: boolean,
) {
  return {
    resourceType: nameOf(RESOURCE_TYPES, 'resource type', codes.resourceType, filter),
    patternType: nameOf(PATTERN_TYPES, 'pattern type', codes.patternType, filter),
    operation: nameOf(OPERATIONS, 'operation', codes.operation, filter),
    permission: nameOf(PERMISSIONS, 'permission type', codes.permissionType, filter),
  };
}

/** The proto names of a stored binding as Kafka's codes. */
export function aclCodes(binding: {
  resourceType: string;
  patternType: string;
  operation: string;
  permission: string;
}) {
  return {
    resourceType: codeOf(RESOURCE_TYPES, binding.resourceType),
    patternType: codeOf(PATTERN_TYPES, binding.patternType),
    operation: codeOf(OPERATIONS, binding.operation),
    permissionType: codeOf(PERMISSIONS, binding.permission),
  };
}
