import { describe, expect, it } from 'vitest';
import { placeReplicas } from './replica-placement.js';

describe('placeReplicas', () => {
  it('spreads replicas round-robin from the start index; first replica leads; all in ISR', () => {
    expect(placeReplicas([3, 1, 2], 3, 2, 1)).toEqual([
      { partition: 0, replicas: [2, 3], leader: 2, isr: [2, 3] },
      { partition: 1, replicas: [3, 1], leader: 3, isr: [3, 1] },
      { partition: 2, replicas: [1, 2], leader: 1, isr: [1, 2] },
    ]);
  });

  it('never puts two replicas of a partition on one broker', () => {
    for (const p of placeReplicas([0, 1, 2, 3, 4], 20, 5, 3)) expect(new Set(p.replicas).size).toBe(5);
  });

  it('refuses more replicas than live brokers', () => {
    expect(() => placeReplicas([1, 2], 1, 3, 0)).toThrow(RangeError);
    expect(() => placeReplicas([], 1, 1, 0)).toThrow(RangeError);
  });
});
