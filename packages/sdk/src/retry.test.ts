import { describe, expect, it } from 'vitest';
import {
  ConnectionError,
  DeliveryTimeoutError,
  InvalidArgumentError,
  RequestTimeoutError,
  RetriesExceededError,
} from './errors.js';
import { backoffMs, type Clock, type RetryPolicy, retry } from './retry.js';

const policy: RetryPolicy = { initialRetryMs: 100, maxRetryMs: 1000, multiplier: 2, jitter: 0.2 };

/** A clock that only moves when someone sleeps. */
function fakeClock(start = 1_000_000): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('backoffMs', () => {
  it('grows exponentially and is capped at maxRetryMs', () => {
    const mid = () => 0.5; // no jitter effect
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffMs(a, policy, mid))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('spreads each wait by at most ±jitter', () => {
    expect(backoffMs(0, policy, () => 0)).toBe(80);
    expect(backoffMs(0, policy, () => 1)).toBe(120);
    expect(backoffMs(10, policy, () => 1)).toBe(1200);
  });
});

describe('retry', () => {
  it('retries retriable failures until success', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new ConnectionError('down', 'h:1');
        return 'ok';
      },
      { policy, deadline: clock.now() + 10_000, clock, random: () => 0.5 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('does not retry a non-retriable failure', async () => {
    const clock = fakeClock();
    let calls = 0;
    const failure = new InvalidArgumentError('bad');
    await expect(
      retry(
        async () => {
          calls++;
          throw failure;
        },
        { policy, deadline: clock.now() + 10_000, clock },
      ),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('stops before the deadline and keeps the last cause', async () => {
    const clock = fakeClock();
    const start = clock.now();
    let calls = 0;
    const error = await retry(
      async () => {
        calls++;
        throw new ConnectionError(`down ${calls}`, 'h:1');
      },
      { policy, deadline: start + 1000, clock, random: () => 0.5 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExceededError);
    expect((error as RetriesExceededError).cause).toBeInstanceOf(ConnectionError);
    expect(((error as RetriesExceededError).cause as Error).message).toBe(`down ${calls}`);
    // 100 + 200 + 400 = 700 slept; the next wait (800) would pass the deadline.
    expect(clock.sleeps).toEqual([100, 200, 400]);
    expect(clock.now() - start).toBeLessThan(1000);
    expect(calls).toBe(4);
  });

  it('reports the failure it kept retrying, not a timeout cut short by its own deadline', async () => {
    const clock = fakeClock();
    const deadline = clock.now() + 1_000;
    let attempt = 0;
    const error = await retry(
      async () => {
        attempt++;
        if (attempt < 3) throw new ConnectionError('connection refused', '127.0.0.1:1');
        // The last attempt runs into the deadline, as a request capped by it would.
        await clock.sleep(deadline - clock.now());
        throw new RequestTimeoutError('deadline exceeded');
      },
      { policy, deadline, clock, random: () => 0.5 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExceededError);
    expect((error as Error).cause).toBeInstanceOf(ConnectionError);
  });

  it('lets the caller choose the exhaustion error', async () => {
    const clock = fakeClock();
    const error = await retry(
      async () => {
        throw new ConnectionError('down');
      },
      {
        policy,
        deadline: clock.now() + 50,
        clock,
        exhausted: (last) => new DeliveryTimeoutError('too slow', { cause: last }),
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryTimeoutError);
    expect((error as DeliveryTimeoutError).code).toBe('DELIVERY_TIMEOUT');
    expect(error).toBeInstanceOf(RetriesExceededError);
  });
});
