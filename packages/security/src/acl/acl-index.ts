import { type AclBinding, aclKey, type ResourceType, WILDCARD_RESOURCE } from './acl-model.js';

interface TypeIndex {
  readonly literal: Map<string, Map<string, AclBinding>>;
  readonly prefixed: Map<string, Map<string, AclBinding>>;
  /** How many prefix patterns have each length. */
  readonly prefixesOfLength: Map<number, number>;
  /** Distinct prefix lengths in use, ascending: a check looks up only these slices of the name. */
  prefixLengths: number[];
}

/**
 * The stored ACLs, indexed so that finding those that apply to one resource costs one map
 * lookup for the literal name, one for the wildcard, and one per distinct prefix length in use
 * (not one per ACL).
 */
export class AclIndex {
  private readonly byType = new Map<ResourceType, TypeIndex>();
  private count = 0;

  /** Number of stored ACLs. */
  get size(): number {
    return this.count;
  }

  /** Adds a binding; false if an identical one was already stored (ACLs are a set). */
  add(binding: AclBinding): boolean {
    const index = this.typeIndex(binding.pattern.resourceType);
    const table = binding.pattern.patternType === 'LITERAL' ? index.literal : index.prefixed;
    let bucket = table.get(binding.pattern.name);
    if (!bucket) {
      bucket = new Map();
      table.set(binding.pattern.name, bucket);
      if (binding.pattern.patternType === 'PREFIXED')
        this.countPrefix(index, binding.pattern.name.length, +1);
    }
    const key = aclKey(binding);
    if (bucket.has(key)) return false;
    bucket.set(key, binding);
    this.count++;
    return true;
  }

  /** Removes a binding; false if it was not stored. */
  remove(binding: AclBinding): boolean {
    const index = this.byType.get(binding.pattern.resourceType);
    if (!index) return false;
    const table = binding.pattern.patternType === 'LITERAL' ? index.literal : index.prefixed;
    const bucket = table.get(binding.pattern.name);
    if (!bucket?.delete(aclKey(binding))) return false;
    this.count--;
    if (bucket.size === 0) {
      table.delete(binding.pattern.name);
      if (binding.pattern.patternType === 'PREFIXED')
        this.countPrefix(index, binding.pattern.name.length, -1);
    }
    return true;
  }

  /** Every ACL whose pattern applies to the resource `resourceType`/`name`. */
  *applicable(resourceType: ResourceType, name: string): Iterable<AclBinding> {
    const index = this.byType.get(resourceType);
    if (!index) return;
    const literal = index.literal.get(name);
    if (literal) yield* literal.values();
    if (name !== WILDCARD_RESOURCE) {
      const wildcard = index.literal.get(WILDCARD_RESOURCE);
      if (wildcard) yield* wildcard.values();
    }
    for (const length of index.prefixLengths) {
      if (length > name.length) break;
      const prefixed = index.prefixed.get(name.slice(0, length));
      if (prefixed) yield* prefixed.values();
    }
  }

  /** Every ACL of one resource type (all types when omitted). */
  *all(resourceType?: ResourceType): Iterable<AclBinding> {
    for (const [type, index] of this.byType) {
      if (resourceType !== undefined && type !== resourceType) continue;
      for (const table of [index.literal, index.prefixed])
        for (const bucket of table.values()) yield* bucket.values();
    }
  }

  private typeIndex(resourceType: ResourceType): TypeIndex {
    let index = this.byType.get(resourceType);
    if (!index) {
      index = { literal: new Map(), prefixed: new Map(), prefixesOfLength: new Map(), prefixLengths: [] };
      this.byType.set(resourceType, index);
    }
    return index;
  }

  // The sorted list changes only when a length appears or disappears, so replaying many prefix
  // ACLs (of few distinct lengths) from the metadata log stays linear.
  private countPrefix(index: TypeIndex, length: number, delta: 1 | -1): void {
    const count = (index.prefixesOfLength.get(length) ?? 0) + delta;
    if (count === 0) index.prefixesOfLength.delete(length);
    else index.prefixesOfLength.set(length, count);
    if (count === 0 || (delta === 1 && count === 1)) {
      index.prefixLengths = [...index.prefixesOfLength.keys()].sort((a, b) => a - b);
    }
  }
}
