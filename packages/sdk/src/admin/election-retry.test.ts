import { describe, expect, it } from 'vitest';
import { ConnectionError, NotCoordinatorError } from '../errors.js';
import type { Clock } from '../retry.js';
import { electionRetry } from './election-retry.js';

/** A clock whose sleeps pass at once, advancing its time. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

const policy = { initialRetryMs: 100, maxRetryMs: 1_000, multiplier: 2, jitter: 0 };

describe('electionRetry', () => {
  it('calls again with backoff while a coordinator answers NOT_COORDINATOR', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await electionRetry(
      policy,
      clock,
      () => 10_000,
    )(async () => {
      calls++;
      if (calls < 3) throw new NotCoordinatorError('an election is running');
      return 'created';
    });
    expect(result).toBe('created');
    expect(clock.slept).toEqual([100, 200]);
  });

  it('throws any other failure at once, and the last NOT_COORDINATOR when time runs out', async () => {
    const clock = fakeClock();
    let calls = 0;
    const refused = electionRetry(
      policy,
      clock,
      () => 10_000,
    )(async () => {
      calls++;
      throw new ConnectionError('cannot reach 127.0.0.1:7400', '127.0.0.1:7400');
    });
    await expect(refused).rejects.toBeInstanceOf(ConnectionError);
    expect(calls).toBe(1);
    const electing = electionRetry(
      policy,
      clock,
      () => 1_000,
    )(async () => {
      throw new NotCoordinatorError('still electing');
    });
    await expect(electing).rejects.toThrow('still electing');
  });
});
