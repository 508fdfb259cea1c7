import type { AclOperation } from './acl-model.js';

// Kafka's StandardAuthorizerData: an ALLOW ACL for READ, WRITE, DELETE or ALTER also allows
// DESCRIBE, one for ALTER_CONFIGS also allows DESCRIBE_CONFIGS, and ALL allows everything. A
// DENY ACL implies nothing beyond itself, except that DENY ALL denies everything.
const IMPLIED_BY_ALLOW: Partial<Record<AclOperation, readonly AclOperation[]>> = {
  DESCRIBE: ['DESCRIBE', 'READ', 'WRITE', 'DELETE', 'ALTER'],
  DESCRIBE_CONFIGS: ['DESCRIBE_CONFIGS', 'ALTER_CONFIGS'],
};

/** Whether an ALLOW ACL for `aclOperation` allows `requested`. */
export function allowCovers(aclOperation: AclOperation, requested: AclOperation): boolean {
  if (aclOperation === 'ALL' || aclOperation === requested) return true;
  return IMPLIED_BY_ALLOW[requested]?.includes(aclOperation) ?? false;
}

/** Whether a DENY ACL for `aclOperation` denies `requested`. */
export function denyCovers(aclOperation: AclOperation, requested: AclOperation): boolean {
  return aclOperation === 'ALL' || aclOperation === requested;
}
