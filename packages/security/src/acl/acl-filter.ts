import {
  type AclBinding,
  type AclOperation,
  type AclPermission,
  type PatternType,
  type ResourcePattern,
  type ResourceType,
  WILDCARD_RESOURCE,
} from './acl-model.js';

/**
 * Selects ACLs for describe and delete (Kafka's AclBindingFilter). An absent field matches
 * anything. Pattern types: `ANY` matches every pattern type with the exact name; `MATCH`
 * matches every pattern that would apply to a resource of that name (the literal name, the
 * literal wildcard, and every prefix pattern the name starts with); `LITERAL`/`PREFIXED` match
 * that pattern type with the exact name.
 */
export interface AclBindingFilter {
  readonly resourceType?: ResourceType | 'ANY';
  readonly name?: string;
  readonly patternType?: PatternType | 'ANY' | 'MATCH';
  readonly principal?: string;
  readonly host?: string;
  readonly operation?: AclOperation | 'ANY';
  readonly permission?: AclPermission | 'ANY';
}

/** The filter that matches every ACL. */
export const ANY_ACL: AclBindingFilter = Object.freeze({});

/** Kafka's ResourcePatternFilter.matches. */
export function patternMatchesFilter(pattern: ResourcePattern, filter: AclBindingFilter): boolean {
  const resourceType = filter.resourceType ?? 'ANY';
  const patternType = filter.patternType ?? 'ANY';
  if (resourceType !== 'ANY' && resourceType !== pattern.resourceType) return false;
  if (patternType !== 'ANY' && patternType !== 'MATCH' && patternType !== pattern.patternType) return false;
  if (filter.name === undefined) return true;
  if (patternType === 'ANY' || patternType === pattern.patternType) return filter.name === pattern.name;
  // MATCH: does the pattern apply to a resource called filter.name?
  if (pattern.patternType === 'LITERAL')
    return filter.name === pattern.name || pattern.name === WILDCARD_RESOURCE;
  return filter.name.startsWith(pattern.name);
}

/** Kafka's AclBindingFilter.matches: pattern and entry both match. */
export function aclMatchesFilter(binding: AclBinding, filter: AclBindingFilter): boolean {
  const { entry } = binding;
  if (filter.principal !== undefined && filter.principal !== entry.principal) return false;
  if (filter.host !== undefined && filter.host !== entry.host) return false;
  if (filter.operation !== undefined && filter.operation !== 'ANY' && filter.operation !== entry.operation)
    return false;
  if (
    filter.permission !== undefined &&
    filter.permission !== 'ANY' &&
    filter.permission !== entry.permission
  ) {
    return false;
  }
  return patternMatchesFilter(binding.pattern, filter);
}
