import type { v1 } from '@fjord/protocol';
import {
  ACL_OPERATIONS,
  ACL_PERMISSIONS,
  type AclBinding,
  type AclBindingFilter,
  PATTERN_TYPES,
  RESOURCE_TYPES,
  validateAclBinding,
} from '@fjord/security';

// The wire form of ACLs (security.proto: Kafka's Java enum names, upper case, exactly) to and
// from @fjord/security's model. Every problem is an Error whose message names the field.

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${field} '${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** A binding of a CreateAcls request, checked as Kafka's controller checks it. */
export function bindingFromWire(wire: v1.AclBinding__Output): AclBinding {
  const binding: AclBinding = {
    pattern: {
      resourceType: oneOf('resource_type', wire.resourceType, RESOURCE_TYPES),
      name: wire.resourceName,
      patternType: oneOf('pattern_type', wire.patternType, PATTERN_TYPES),
    },
    entry: {
      principal: wire.principal,
      host: wire.host,
      operation: oneOf('operation', wire.operation, ACL_OPERATIONS),
      permission: oneOf('permission', wire.permission, ACL_PERMISSIONS),
    },
  };
  validateAclBinding(binding);
  return binding;
}

/** A filter of DescribeAcls or DeleteAcls: an empty field matches anything (Kafka's null). */
export function filterFromWire(wire: v1.AclBindingFilter__Output | null): AclBindingFilter {
  const filter: {
    -readonly [K in keyof AclBindingFilter]: AclBindingFilter[K];
  } = {};
  if (!wire) return filter;
  if (wire.resourceType !== '')
    filter.resourceType = oneOf('resource_type', wire.resourceType, [...RESOURCE_TYPES, 'ANY'] as const);
  if (wire.resourceName !== '') filter.name = wire.resourceName;
  if (wire.patternType !== '') {
    filter.patternType = oneOf('pattern_type', wire.patternType, [...PATTERN_TYPES, 'ANY', 'MATCH'] as const);
  }
  if (wire.principal !== '') filter.principal = wire.principal;
  if (wire.host !== '') filter.host = wire.host;
  if (wire.operation !== '')
    filter.operation = oneOf('operation', wire.operation, [...ACL_OPERATIONS, 'ANY'] as const);
  if (wire.permission !== '')
    filter.permission = oneOf('permission', wire.permission, [...ACL_PERMISSIONS, 'ANY'] as const);
  return filter;
}

/** The wire form of a stored binding. */
export function bindingToWire(binding: AclBinding): v1.AclBinding {
  const { pattern, entry } = binding;
  return {
    resourceType: pattern.resourceType,
    resourceName: pattern.name,
    patternType: pattern.patternType,
    principal: entry.principal,
    host: entry.host,
    operation: entry.operation,
    permission: entry.permission,
  };
}
