import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatWaiters, type WakeReason } from './heartbeat-waiters.js';

describe('HeartbeatWaiters', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Starts a wait and records how it ended. */
  const track = (promise: Promise<WakeReason>) => {
    const seen: { reason?: WakeReason } = {};
    void promise.then((reason) => {
      seen.reason = reason;
    });
    return seen;
  };

  it('ends a wait when its time is up', async () => {
    const waiters = new HeartbeatWaiters();
    const wait = track(waiters.wait('g', 'a', 500));
    await vi.advanceTimersByTimeAsync(499);
    expect(wait.reason).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.reason).toBe('timeout');
    expect(waiters.waitingCount).toBe(0);
  });

  it('ends a wait at once when its call is cancelled, and one already cancelled does not wait', async () => {
    const waiters = new HeartbeatWaiters();
    const cancelled = new AbortController();
    const wait = track(waiters.wait('g', 'a', 500, cancelled.signal));
    await vi.advanceTimersByTimeAsync(100);
    cancelled.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.reason).toBe('cancelled');
    expect(waiters.waitingCount).toBe(0);
    const again = track(waiters.wait('g', 'a', 500, cancelled.signal));
    await vi.advanceTimersByTimeAsync(0);
    expect(again.reason).toBe('cancelled');
    expect(waiters.waitingCount).toBe(0);
  });

  it('wakes every wait of a group that changed, and only that group', async () => {
    const waiters = new HeartbeatWaiters();
    const a = track(waiters.wait('g', 'a', 500));
    const b = track(waiters.wait('g', 'b', 500));
    const other = track(waiters.wait('h', 'a', 500));
    waiters.wake('g');
    await vi.advanceTimersByTimeAsync(0);
    expect([a.reason, b.reason, other.reason]).toEqual(['changed', 'changed', undefined]);
    expect(waiters.waitingCount).toBe(1);
  });

  it('a newer heartbeat of a member supersedes the older one', async () => {
    const waiters = new HeartbeatWaiters();
    const first = waiters.arrived('g', 'a');
    const wait = track(waiters.wait('g', 'a', 500));
    const second = waiters.arrived('g', 'a');
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.reason).toBe('superseded');
    expect(waiters.isLatest('g', 'a', first)).toBe(false);
    expect(waiters.isLatest('g', 'a', second)).toBe(true);
    // The older request finishing does not forget the newer one.
    waiters.done('g', 'a', first);
    expect(waiters.isLatest('g', 'a', second)).toBe(true);
    waiters.done('g', 'a', second);
    expect(waiters.isLatest('g', 'a', second)).toBe(false);
  });

  it('answers every wait at close and holds nothing afterwards', async () => {
    const waiters = new HeartbeatWaiters();
    const wait = track(waiters.wait('g', 'a', 500));
    waiters.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.reason).toBe('closed');
    await expect(waiters.wait('g', 'b', 500)).resolves.toBe('closed');
  });

  it('answers every wait when the coordinator stops leading, and holds later ones again', async () => {
    const waiters = new HeartbeatWaiters();
    const a = track(waiters.wait('g', 'a', 500));
    const b = track(waiters.wait('h', 'b', 500));
    waiters.releaseAll();
    await vi.advanceTimersByTimeAsync(0);
    expect([a.reason, b.reason]).toEqual(['closed', 'closed']);
    const later = track(waiters.wait('g', 'a', 500));
    await vi.advanceTimersByTimeAsync(100);
    expect(later.reason).toBeUndefined();
    expect(waiters.waitingCount).toBe(1);
    await vi.advanceTimersByTimeAsync(400);
    expect(later.reason).toBe('timeout');
  });
});
