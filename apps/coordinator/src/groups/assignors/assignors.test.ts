import { describe, expect, it } from 'vitest';
import { type Assignment, toKeys } from '../../metadata/group-state.js';
import type { AssignorMember } from './assignor.js';
import { rangeAssignor } from './range.js';
import { uniformStickyAssignor } from './uniform-sticky.js';

const member = (memberId: string, topics: string[], current: Assignment = {}): AssignorMember => ({
  memberId,
  instanceId: null,
  topics,
  current,
});

function counts(result: Record<string, Assignment>): number[] {
  return Object.values(result).map((a) => toKeys(a).length);
}

function allKeys(result: Record<string, Assignment>): string[] {
  return Object.values(result).flatMap(toKeys).sort();
}

describe('uniform sticky assignor', () => {
  it('gives 4 members of a 12-partition topic 3 partitions each, each partition once', () => {
    const result = uniformStickyAssignor({
      members: ['a', 'b', 'c', 'd'].map((id) => member(id, ['t'])),
      topicPartitions: { t: 12 },
    });
    expect(counts(result)).toEqual([3, 3, 3, 3]);
    expect(allKeys(result)).toHaveLength(12);
    expect(new Set(allKeys(result)).size).toBe(12);
  });

  it('moves as few partitions as possible when a member joins', () => {
    const before = uniformStickyAssignor({
      members: ['a', 'b', 'c'].map((id) => member(id, ['t'])),
      topicPartitions: { t: 12 },
    });
    const after = uniformStickyAssignor({
      members: [...['a', 'b', 'c'].map((id) => member(id, ['t'], before[id])), member('d', ['t'])],
      topicPartitions: { t: 12 },
    });
    expect(counts(after)).toEqual([3, 3, 3, 3]);
    let moved = 0;
    for (const id of ['a', 'b', 'c'])
      moved += toKeys(before[id]!).filter((k) => !toKeys(after[id]!).includes(k)).length;
    expect(moved).toBe(3);
  });

  it('keeps everyone else in place when a member leaves', () => {
    const before = uniformStickyAssignor({
      members: ['a', 'b', 'c', 'd'].map((id) => member(id, ['t'])),
      topicPartitions: { t: 12 },
    });
    const after = uniformStickyAssignor({
      members: ['a', 'b', 'c'].map((id) => member(id, ['t'], before[id])),
      topicPartitions: { t: 12 },
    });
    for (const id of ['a', 'b', 'c'])
      expect(toKeys(after[id]!)).toEqual(expect.arrayContaining(toKeys(before[id]!)));
    expect(counts(after)).toEqual([4, 4, 4]);
  });

  it('respects subscriptions and is deterministic', () => {
    const spec = {
      members: [member('a', ['x']), member('b', ['x', 'y']), member('c', ['y'])],
      topicPartitions: { x: 4, y: 2 },
    };
    const result = uniformStickyAssignor(spec);
    expect(result).toEqual(uniformStickyAssignor(spec));
    expect(result.a!.y).toBeUndefined();
    expect(result.c!.x).toBeUndefined();
    expect(allKeys(result)).toHaveLength(6);
  });

  it('drops partitions of topics no longer subscribed or gone', () => {
    const result = uniformStickyAssignor({
      members: [member('a', ['t'], { t: [0, 1], gone: [0] })],
      topicPartitions: { t: 2 },
    });
    expect(result).toEqual({ a: { t: [0, 1] } });
  });
});

describe('range assignor', () => {
  it('gives consecutive ranges, the first members one more', () => {
    const result = rangeAssignor({
      members: ['a', 'b', 'c'].map((id) => member(id, ['t'])),
      topicPartitions: { t: 7 },
    });
    expect(result).toEqual({ a: { t: [0, 1, 2] }, b: { t: [3, 4] }, c: { t: [5, 6] } });
  });
});
