// Kafka's ACL model (KIP-11, with prefixed patterns from KIP-290), spelled as Kafka's Java enums.

/** The resource types Fjord authorizes. */
export const RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** How an ACL's resource name is matched: exactly (or `*` for every name), or as a prefix. */
export const PATTERN_TYPES = ['LITERAL', 'PREFIXED'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export const ACL_OPERATIONS = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
] as const;
export type AclOperation = (typeof ACL_OPERATIONS)[number];

export const ACL_PERMISSIONS = ['ALLOW', 'DENY'] as const;
export type AclPermission = (typeof ACL_PERMISSIONS)[number];

/** A literal resource name that matches every name of its type. */
export const WILDCARD_RESOURCE = '*';
/** The principal that matches every principal. */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The host that matches every host. */
export const WILDCARD_HOST = '*';
/** The one name of the Cluster resource, as in Kafka. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';

/** What an ACL applies to. */
export interface ResourcePattern {
  readonly resourceType: ResourceType;
  readonly name: string;
  readonly patternType: PatternType;
}

/** Who may (or may not) do what from where. */
export interface AccessControlEntry {
  /** `User:alice`, or {@link WILDCARD_PRINCIPAL}. */
  readonly principal: string;
  /** A client IP address, or {@link WILDCARD_HOST}. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly permission: AclPermission;
}

/** One ACL: a resource pattern and an entry (Kafka's AclBinding). */
export interface AclBinding {
  readonly pattern: ResourcePattern;
  readonly entry: AccessControlEntry;
}

/** A stable identity of a binding, used to keep the ACL set free of duplicates. */
export function aclKey(binding: AclBinding): string {
  const { pattern: p, entry: e } = binding;
  return JSON.stringify([
    p.resourceType,
    p.patternType,
    p.name,
    e.principal,
    e.host,
    e.operation,
    e.permission,
  ]);
}

/** Kafka's own readable form, for logs and the CLI. */
export function formatAclBinding(binding: AclBinding): string {
  const { pattern: p, entry: e } = binding;
  return `(pattern=ResourcePattern(resourceType=${p.resourceType}, name=${p.name}, patternType=${p.patternType}), entry=(principal=${e.principal}, host=${e.host}, operation=${e.operation}, permissionType=${e.permission}))`;
}

function normalize(text: string): string {
  return text.replace(/[-_\s]/g, '').toUpperCase();
}

function parseEnum<T extends string>(values: readonly T[], text: string, what: string): T {
  const found = values.find((value) => normalize(value) === normalize(text));
  if (!found) throw new Error(`unknown ${what} '${text}': expected one of ${values.join(', ')}`);
  return found;
}

/** Parses an operation as kafka-acls.sh writes it (`Read`, `IdempotentWrite`, `describe-configs`). */
export function parseAclOperation(text: string): AclOperation {
  return parseEnum(ACL_OPERATIONS, text, 'ACL operation');
}

/** Parses a resource type (`Topic`, `transactional-id`). */
export function parseResourceType(text: string): ResourceType {
  return parseEnum(RESOURCE_TYPES, text, 'resource type');
}

/** Parses a pattern type (`literal`, `prefixed`). */
export function parsePatternType(text: string): PatternType {
  return parseEnum(PATTERN_TYPES, text, 'resource pattern type');
}

/** Parses a permission (`Allow`, `deny`). */
export function parseAclPermission(text: string): AclPermission {
  return parseEnum(ACL_PERMISSIONS, text, 'ACL permission');
}
