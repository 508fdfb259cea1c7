import { describe, expect, it } from 'vitest';
import { reservedIdProblem } from './reserved-ids.js';

describe('reservedIdProblem', () => {
  it('finds a reserved id or topic name at any depth', () => {
    expect(reservedIdProblem({ groupId: 'constructor' })).toMatch(/^group id "constructor" is reserved/);
    expect(
      reservedIdProblem({ groupId: 'g', ownedPartitions: [{ topic: 'toString', partitions: [0] }] }),
    ).toMatch(/^topic name "toString" is reserved/);
    expect(reservedIdProblem({ groupId: 'g', subscribedTopicNames: ['orders', '__proto__'] })).toMatch(
      /^topic name "__proto__" is reserved/,
    );
    expect(reservedIdProblem({ members: [{ memberId: 'hasOwnProperty', instanceId: '' }] })).toMatch(
      /^member id "hasOwnProperty"/,
    );
  });

  it('passes ordinary ids, and reserved words in fields that are not ids', () => {
    expect(
      reservedIdProblem({
        groupId: 'g',
        memberId: 'm',
        protocolType: 'constructor',
        subscribedTopicNames: ['orders'],
      }),
    ).toBeUndefined();
  });
});
