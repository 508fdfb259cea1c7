/**
 * Names of the members of JavaScript's Object.prototype (`constructor`, `__proto__`,
 * `toString`, …). Fjord's metadata state keys topics, groups, members and assignments by
 * name in plain objects, where a lookup of one of these finds the prototype's member instead
 * of nothing: the gRPC fuzzer's ConsumerGroupHeartbeat owning partitions of `toString`
 * failed with "list.includes is not a function". They are refused as topic, group, member
 * and instance ids.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Why `name` may not be used as an id (`what`: "topic name", "group id"), or undefined. */
export function reservedNameProblem(what: string, name: string): string | undefined {
  return RESERVED_NAMES.has(name)
    ? `${what} "${name}" is reserved (it names a member of JavaScript's Object.prototype)`
    : undefined;
}
