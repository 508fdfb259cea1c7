import { parsePrincipal } from '../principal/kafka-principal.js';
import {
  ACL_OPERATIONS,
  ACL_PERMISSIONS,
  type AclBinding,
  type AclOperation,
  CLUSTER_RESOURCE_NAME,
  PATTERN_TYPES,
  RESOURCE_TYPES,
  type ResourceType,
} from './acl-model.js';

/** The operations that mean something for each resource type (kafka-acls.sh's table). */
export const VALID_OPERATIONS: Readonly<Record<ResourceType, readonly AclOperation[]>> = {
  TOPIC: [
    'READ',
    'WRITE',
    'CREATE',
    'DESCRIBE',
    'DELETE',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'ALTER',
    'ALL',
  ],
  GROUP: ['READ', 'DESCRIBE', 'DELETE', 'ALL'],
  CLUSTER: [
    'CREATE',
    'CLUSTER_ACTION',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'IDEMPOTENT_WRITE',
    'ALTER',
    'DESCRIBE',
    'ALL',
  ],
  TRANSACTIONAL_ID: ['DESCRIBE', 'WRITE', 'ALL'],
};

/**
 * Checks a binding before it is stored, as Kafka's controller and kafka-acls.sh do, and throws
 * an error naming the first problem.
 */
export function validateAclBinding(binding: AclBinding): void {
  const { pattern, entry } = binding;
  if (!RESOURCE_TYPES.includes(pattern.resourceType))
    throw new Error(`invalid resource type '${pattern.resourceType}'`);
  if (!PATTERN_TYPES.includes(pattern.patternType)) {
    throw new Error(`invalid pattern type '${pattern.patternType}': an ACL is LITERAL or PREFIXED`);
  }
  if (pattern.name.length === 0) throw new Error('an ACL resource name must not be empty');
  if (
    pattern.resourceType === 'CLUSTER' &&
    (pattern.name !== CLUSTER_RESOURCE_NAME || pattern.patternType !== 'LITERAL')
  ) {
    throw new Error(
      `the Cluster resource is the LITERAL name '${CLUSTER_RESOURCE_NAME}', got ${pattern.patternType} '${pattern.name}'`,
    );
  }
  parsePrincipal(entry.principal);
  if (entry.host.length === 0) throw new Error("an ACL host must not be empty (use '*' for every host)");
  if (!ACL_OPERATIONS.includes(entry.operation))
    throw new Error(`invalid ACL operation '${entry.operation}'`);
  if (!ACL_PERMISSIONS.includes(entry.permission))
    throw new Error(`invalid ACL permission '${entry.permission}'`);
  if (!VALID_OPERATIONS[pattern.resourceType].includes(entry.operation)) {
    throw new Error(
      `operation ${entry.operation} does not apply to ${pattern.resourceType}: valid are ${VALID_OPERATIONS[pattern.resourceType].join(', ')}`,
    );
  }
}
