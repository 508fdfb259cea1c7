import { describe, expect, it } from 'vitest';
import { checkGroupOwnership, type GroupAssignmentSnapshot } from './group-ownership-checker.js';

const snapshot = (
  t: number,
  groupEpoch: number,
  members: Array<[string, number, string[]]>,
): GroupAssignmentSnapshot => ({
  t,
  groupEpoch,
  members: members.map(([memberId, memberEpoch, partitions]) => ({ memberId, memberEpoch, partitions })),
});

describe('group ownership checker', () => {
  it('accepts a handover: the partition moves to the other member in a later epoch', () => {
    const result = checkGroupOwnership([
      snapshot(1, 1, [['a', 1, ['t:0', 't:1']]]),
      // b joined (group epoch 2); a still owns t:1 at epoch 1 until it revokes it.
      snapshot(2, 2, [
        ['a', 1, ['t:0', 't:1']],
        ['b', 2, []],
      ]),
      snapshot(3, 2, [
        ['a', 2, ['t:0']],
        ['b', 2, []],
      ]),
      snapshot(4, 2, [
        ['a', 2, ['t:0']],
        ['b', 2, ['t:1']],
      ]),
    ]);
    expect(result).toEqual({ problems: [], snapshots: 4, epochs: 2 });
  });

  it('flags two members owning one partition in one snapshot', () => {
    const { problems } = checkGroupOwnership([
      snapshot(5, 3, [
        ['a', 2, ['t:0']],
        ['b', 3, ['t:0']],
      ]),
    ]);
    expect(problems).toEqual(['partition t:0 owned by a and b at once (t=5)']);
  });

  it('flags two members owning one partition in one epoch, seen in different snapshots', () => {
    // Each answer alone is consistent (say, two coordinators each answering from their own view
    // around a failover), but in epoch 4 both a and b held t:2.
    const { problems } = checkGroupOwnership([
      snapshot(1, 4, [
        ['a', 4, ['t:2']],
        ['b', 4, ['t:0']],
      ]),
      snapshot(2, 4, [
        ['a', 4, ['t:0']],
        ['b', 4, ['t:2']],
      ]),
    ]);
    expect(problems).toEqual([
      'partition t:2 owned by a and b in epoch 4',
      'partition t:0 owned by b and a in epoch 4',
    ]);
  });

  it('flags a member epoch above the group epoch', () => {
    const { problems } = checkGroupOwnership([snapshot(1, 2, [['a', 3, ['t:0']]])]);
    expect(problems).toEqual(['member a at epoch 3 above the group epoch 2 at 1']);
  });
});
