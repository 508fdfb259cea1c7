import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientByteRateQuota } from './client-quotas.js';
import { SampledRate } from './sampled-rate.js';

const alice = { principal: 'User:alice', clientId: 'app-1' };

function clock(startMs = 1_000_000) {
  const state = { nowMs: startMs };
  return { state, nowMs: () => state.nowMs };
}

describe('SampledRate (Kafka Rate over 11 samples of 1 s)', () => {
  it('measures a young rate over at least 10 full windows', () => {
    const rate = new SampledRate();
    rate.record(20_000, 0);
    expect(rate.windowSizeMs(0)).toBe(10_000);
    expect(rate.measure(0)).toBe(2_000);
    // 3.5 s later still 10 windows: 3 full ones elapsed, 7 assumed.
    expect(rate.windowSizeMs(3_500)).toBe(10_500);
  });

  it('spans the samples it keeps once more than 10 windows have passed, and forgets older ones', () => {
    const rate = new SampledRate();
    for (let second = 0; second < 15; second++) rate.record(1_000, second * 1_000);
    // At 14.5 s the samples of seconds 4..14 are kept (11 samples): 11 000 bytes over 10.5 s.
    expect(rate.windowSizeMs(14_500)).toBe(10_500);
    expect(rate.measure(14_500)).toBeCloseTo(11_000 / 10.5, 6);
    // 11 s after the last record every sample has expired.
    expect(rate.isIdle(25_000)).toBe(true);
    expect(rate.measure(25_000)).toBe(0);
  });

  it('takes a recorded value back', () => {
    const rate = new SampledRate();
    rate.record(5_000, 0);
    rate.record(-5_000, 10);
    expect(rate.measure(10)).toBe(0);
  });
});

describe('ClientByteRateQuota', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is off when unlimited', () => {
    const quota = new ClientByteRateQuota({ bytesPerSecond: undefined });
    expect(quota.enabled).toBe(false);
    expect(quota.recordAndGetThrottleTimeMs(alice, 1e12)).toBe(0);
    quota.throttle(alice, 1_000);
    expect(quota.mutedForMs(alice)).toBe(0);
    expect(quota.trackedClients).toBe(0);
  });

  it('answers within the quota with no throttle, and over it with (rate - bound) / bound × window', () => {
    const { state, nowMs } = clock();
    const quota = new ClientByteRateQuota({ bytesPerSecond: 1_000, nowMs });
    // 10 000 bytes over the 10 s minimum window: exactly the bound.
    expect(quota.recordAndGetThrottleTimeMs(alice, 10_000)).toBe(0);
    state.nowMs += 500;
    // 15 000 bytes over 10.5 s (10 windows assumed, 0 full elapsed + 500 ms) = 1 428.57 B/s.
    const expected = Math.round(((15_000 / 10.5 - 1_000) / 1_000) * 10_500);
    expect(quota.recordAndGetThrottleTimeMs(alice, 5_000)).toBe(expected);
    expect(expected).toBe(4_500);
  });

  it('throttles each (principal, client id) on its own', () => {
    const { nowMs } = clock();
    const quota = new ClientByteRateQuota({ bytesPerSecond: 1_000, nowMs });
    expect(quota.recordAndGetThrottleTimeMs(alice, 20_000)).toBe(10_000);
    expect(quota.recordAndGetThrottleTimeMs({ ...alice, clientId: 'app-2' }, 5_000)).toBe(0);
    expect(quota.recordAndGetThrottleTimeMs({ principal: 'User:bob', clientId: 'app-1' }, 5_000)).toBe(0);
  });

  it('mutes a throttled client: its next request waits out the rest of the throttle time', async () => {
    vi.useFakeTimers();
    const quota = new ClientByteRateQuota({ bytesPerSecond: 1_000, nowMs: Date.now });
    const throttleMs = quota.recordAndGetThrottleTimeMs(alice, 20_000);
    quota.throttle(alice, throttleMs);
    expect(quota.mutedForMs(alice)).toBe(10_000);
    let released = false;
    const held = quota.whileMuted(alice, new AbortController().signal).then(() => {
      released = true;
    });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(released).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await held;
    expect(released).toBe(true);
    // A client that waited is not held at all.
    await quota.whileMuted(alice, new AbortController().signal);
  });

  it('stops holding a muted client when its call is cancelled', async () => {
    vi.useFakeTimers();
    const quota = new ClientByteRateQuota({ bytesPerSecond: 1_000, nowMs: Date.now });
    quota.throttle(alice, 60_000);
    const cancel = new AbortController();
    const held = quota.whileMuted(alice, cancel.signal);
    await vi.advanceTimersByTimeAsync(100);
    cancel.abort();
    await held;
    expect(quota.mutedForMs(alice)).toBe(59_900);
  });

  it('counts every throttle handed out', () => {
    const seen: number[] = [];
    const quota = new ClientByteRateQuota({ bytesPerSecond: 1_000, onThrottle: (ms) => seen.push(ms) });
    quota.throttle(alice, 250);
    quota.throttle(alice, 0);
    expect(seen).toEqual([250]);
  });

  it('keeps its state bounded: idle clients are dropped, and the least recently seen past the cap', () => {
    const { state, nowMs } = clock();
    const quota = new ClientByteRateQuota({ bytesPerSecond: 1_000, nowMs, maxClients: 3 });
    for (const clientId of ['a', 'b', 'c']) quota.recordAndGetThrottleTimeMs({ ...alice, clientId }, 100);
    expect(quota.trackedClients).toBe(3);
    quota.recordAndGetThrottleTimeMs({ ...alice, clientId: 'a' }, 100);
    // Past the cap: 'b' is the least recently seen and goes.
    quota.recordAndGetThrottleTimeMs({ ...alice, clientId: 'd' }, 100);
    expect(quota.trackedClients).toBe(3);
    // 'a' kept its 100 bytes (9 950 more put it over 10 000 in 10 s); 'b' starts again from 0.
    expect(quota.recordAndGetThrottleTimeMs({ ...alice, clientId: 'a' }, 9_950)).toBeGreaterThan(0);
    expect(quota.recordAndGetThrottleTimeMs({ ...alice, clientId: 'b' }, 9_950)).toBe(0);
    // 11 s later every one of them is idle: a new client's arrival drops them all.
    state.nowMs += 11_000;
    quota.recordAndGetThrottleTimeMs({ ...alice, clientId: 'e' }, 100);
    expect(quota.trackedClients).toBe(1);
  });

  it('keeps a muted client past its idle time until the mute ends', () => {
    const { state, nowMs } = clock();
    const quota = new ClientByteRateQuota({ bytesPerSecond: 1_000, nowMs });
    quota.throttle(alice, 30_000);
    state.nowMs += 20_000;
    quota.recordAndGetThrottleTimeMs({ ...alice, clientId: 'other' }, 1);
    expect(quota.mutedForMs(alice)).toBe(10_000);
  });

  it('refuses a bound of 0 or less', () => {
    expect(() => new ClientByteRateQuota({ bytesPerSecond: 0 })).toThrow(/above 0 bytes\/s/);
  });
});
