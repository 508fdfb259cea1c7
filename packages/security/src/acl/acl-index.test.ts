import { describe, expect, it } from 'vitest';
import { AclIndex } from './acl-index.js';
import type { AclBinding, PatternType } from './acl-model.js';

const binding = (name: string, patternType: PatternType, principal = 'User:a'): AclBinding => ({
  pattern: { resourceType: 'TOPIC', name, patternType },
  entry: { principal, host: '*', operation: 'READ', permission: 'ALLOW' },
});

const applicableNames = (index: AclIndex, name: string) =>
  [...index.applicable('TOPIC', name)].map((b) => `${b.pattern.patternType}:${b.pattern.name}`).sort();

describe('AclIndex', () => {
  it('finds the literal name, the wildcard and every matching prefix, and nothing else', () => {
    const index = new AclIndex();
    for (const b of [
      binding('a.b.c', 'LITERAL'),
      binding('*', 'LITERAL'),
      binding('a.', 'PREFIXED'),
      binding('a.b', 'PREFIXED'),
      binding('x', 'PREFIXED'),
      binding('a.b.c.d', 'PREFIXED'),
    ]) {
      index.add(b);
    }
    expect(applicableNames(index, 'a.b.c')).toEqual([
      'LITERAL:*',
      'LITERAL:a.b.c',
      'PREFIXED:a.',
      'PREFIXED:a.b',
    ]);
    expect(applicableNames(index, '*')).toEqual(['LITERAL:*']);
    expect([...index.applicable('GROUP', 'a.b.c')]).toEqual([]);
  });

  it('keeps prefixes of one length findable while others of that length come and go', () => {
    const index = new AclIndex();
    index.add(binding('ab', 'PREFIXED'));
    index.add(binding('cd', 'PREFIXED'));
    index.add(binding('cd', 'PREFIXED', 'User:b'));
    expect(index.remove(binding('ab', 'PREFIXED'))).toBe(true);
    expect(applicableNames(index, 'cdx')).toEqual(['PREFIXED:cd', 'PREFIXED:cd']);
    index.remove(binding('cd', 'PREFIXED'));
    expect(applicableNames(index, 'cdx')).toEqual(['PREFIXED:cd']);
    index.remove(binding('cd', 'PREFIXED', 'User:b'));
    expect(applicableNames(index, 'cdx')).toEqual([]);
    index.add(binding('c', 'PREFIXED'));
    expect(applicableNames(index, 'cdx')).toEqual(['PREFIXED:c']);
    expect(index.size).toBe(1);
    expect(index.remove(binding('zz', 'PREFIXED'))).toBe(false);
  });
});
