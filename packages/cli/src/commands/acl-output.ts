import type { AclDescription } from '@fjord/sdk';

// The text kafka-acls.sh prints (AclCommand, Kafka 3.x): one block per resource pattern, each
// ACL on its own tab-indented line in AccessControlEntry's toString form; without the
// trailing blanks Kafka leaves at the ends of lines.

/** `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`. */
export function resourcePatternText(
  acl: Pick<AclDescription, 'resourceType' | 'resourceName' | 'resourcePatternType'>,
): string {
  return `ResourcePattern(resourceType=${acl.resourceType}, name=${acl.resourceName}, patternType=${acl.resourcePatternType})`;
}

/** `(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)`. */
export function entryText(
  acl: Pick<AclDescription, 'principal' | 'host' | 'operation' | 'permissionType'>,
): string {
  return `(principal=${acl.principal}, host=${acl.host}, operation=${acl.operation}, permissionType=${acl.permissionType})`;
}

/**
 * `<heading> for resource \`ResourcePattern(...)\`:` and the ACLs of that pattern, one block
 * per pattern in first-seen order, blocks separated by an empty line. No ACLs: no blocks.
 */
export function aclBlocks(heading: string, acls: readonly AclDescription[]): string {
  const byPattern = new Map<string, AclDescription[]>();
  for (const acl of acls) {
    const key = resourcePatternText(acl);
    byPattern.set(key, [...(byPattern.get(key) ?? []), acl]);
  }
  return [...byPattern.entries()]
    .map(([pattern, list]) =>
      [`${heading} for resource \`${pattern}\`:`, ...list.map((a) => `\t${entryText(a)}`)].join('\n'),
    )
    .join('\n\n');
}
