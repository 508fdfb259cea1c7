import { reservedNameProblem } from '@fjord/protocol';

/** Request fields holding an id the group state keys by name, with what the id is. */
const ID_FIELDS: ReadonlyMap<string, string> = new Map([
  ['groupId', 'group id'],
  ['memberId', 'member id'],
  ['instanceId', 'instance id'],
  ['topic', 'topic name'],
  ['subscribedTopicNames', 'topic name'],
]);

/**
 * Why a group RPC's request may not be served: an id or topic name, at any depth, that names a
 * member of Object.prototype (see RESERVED_NAMES), or undefined.
 */
export function reservedIdProblem(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const problem = reservedIdProblem(item);
      if (problem) return problem;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object' || Buffer.isBuffer(node)) return undefined;
  for (const [key, value] of Object.entries(node)) {
    const what = ID_FIELDS.get(key);
    const names = what === undefined ? [] : Array.isArray(value) ? value : [value];
    for (const name of names) {
      const problem = typeof name === 'string' ? reservedNameProblem(what!, name) : undefined;
      if (problem) return problem;
    }
    const nested = reservedIdProblem(value);
    if (nested) return nested;
  }
  return undefined;
}
