import { describe, expect, it } from 'vitest';
import { randomName } from './names.js';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves with the first truthy value and treats throws as not yet', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return calls === 4 ? 'done' : undefined;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('done');
    expect(calls).toBe(4);
  });

  it('names what it waited for and the last error on timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 50, intervalMs: 10, message: 'the coordinator' },
      ),
    ).rejects.toThrow('timed out after 50 ms waiting for the coordinator (last error: connection refused)');
    let seen = 0;
    await expect(
      waitFor(() => false, { timeoutMs: 20, intervalMs: 5, message: () => `state ${++seen}` }),
    ).rejects.toThrow('timed out after 20 ms waiting for state 1');
  });
});

describe('randomName', () => {
  it('is unique and a valid topic name', () => {
    const a = randomName('orders');
    expect(a).toMatch(/^orders-[0-9a-f-]{36}$/);
    expect(randomName('orders')).not.toBe(a);
  });
});
