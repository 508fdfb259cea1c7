import { describe, expect, it } from 'vitest';
import { aclBlocks } from './acl-output.js';

describe('aclBlocks', () => {
  it("prints kafka-acls.sh's blocks: one per resource pattern, one tab-indented line per ACL", () => {
    const acl = (
      resourceName: string,
      operation: 'READ' | 'WRITE',
      resourcePatternType: 'LITERAL' | 'PREFIXED' = 'LITERAL',
    ) => ({
      resourceType: 'TOPIC' as const,
      resourceName,
      resourcePatternType,
      principal: 'User:alice',
      host: '*',
      operation,
      permissionType: 'ALLOW' as const,
    });
    expect(
      aclBlocks('Current ACLs', [
        acl('orders', 'WRITE'),
        acl('team.', 'READ', 'PREFIXED'),
        acl('orders', 'READ'),
      ]),
    ).toBe(
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:\n' +
        '\t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)\n' +
        '\t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)\n' +
        '\n' +
        'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=team., patternType=PREFIXED)`:\n' +
        '\t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)',
    );
    expect(aclBlocks('Current ACLs', [])).toBe('');
  });
});
