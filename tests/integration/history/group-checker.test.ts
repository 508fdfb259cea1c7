import { describe, expect, it } from 'vitest';
import { checkGroupHistory, type GroupHistoryEvent } from './group-checker.js';

const d = (member: string, value: string, t: number): GroupHistoryEvent => ({
  type: 'delivered',
  member,
  t,
  partition: 0,
  offset: '0',
  value,
});

describe('group history checker', () => {
  it('accepts a clean handover and flags overlaps, losses and unexplained duplicates', () => {
    const clean: GroupHistoryEvent[] = [
      { type: 'assigned', member: 'a', t: 1, partitions: [0] },
      d('a', 'v1', 2),
      { type: 'revoked', member: 'a', t: 3, partitions: [0] },
      { type: 'assigned', member: 'b', t: 3, partitions: [0] },
      d('b', 'v2', 4),
    ];
    expect(checkGroupHistory(clean, ['v1', 'v2']).problems).toEqual([]);
    const bad: GroupHistoryEvent[] = [
      { type: 'assigned', member: 'a', t: 1, partitions: [0] },
      { type: 'assigned', member: 'b', t: 2, partitions: [0] },
      d('a', 'v1', 3),
      d('b', 'v1', 4),
    ];
    const problems = checkGroupHistory(bad, ['v1', 'v2']).problems.join('\n');
    expect(problems).toMatch(/owned by a/);
    expect(problems).toMatch(/never delivered/);
    expect(problems).toMatch(/without a killed member/);
  });

  it('accepts duplicates of a killed member', () => {
    const events: GroupHistoryEvent[] = [
      { type: 'assigned', member: 'a', t: 1, partitions: [0] },
      d('a', 'v1', 2),
      { type: 'killed', member: 'a', t: 3 },
      { type: 'assigned', member: 'b', t: 9, partitions: [0] },
      d('b', 'v1', 10),
    ];
    expect(checkGroupHistory(events, ['v1'])).toMatchObject({ problems: [], duplicates: 1 });
  });
});
