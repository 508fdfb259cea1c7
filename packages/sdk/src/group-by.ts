/** Groups items by a key, keeping their order within each group. */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    // Push into the existing array: copying it per item would make grouping O(n²).
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
