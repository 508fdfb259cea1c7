import { describe, expect, it } from 'vitest';
import { LeaderState } from './leader-state.js';

describe('LeaderState (high watermark and ISR decisions)', () => {
  it('holds the high watermark until every ISR member fetched, then takes the smallest log end', () => {
    const s = new LeaderState(1, 5, [1, 2, 3], [1, 2, 3], 0);
    expect(s.highWatermark([1, 2, 3], 10n, 1)).toBeNull();
    s.recordFetch(2, 10n, 10n, 1);
    expect(s.highWatermark([1, 2, 3], 10n, 1)).toBeNull();
    s.recordFetch(3, 7n, 10n, 1);
    expect(s.highWatermark([1, 2, 3], 10n, 1)).toBe(7n);
    // A member outside the ISR does not hold it back.
    expect(s.highWatermark([1, 2], 10n, 1)).toBe(10n);
  });

  it('commits nothing while the ISR is below min.insync.replicas (strict min ISR, KIP-966)', () => {
    const s = new LeaderState(1, 0, [1, 2, 3], [1, 2], 0);
    s.recordFetch(2, 8n, 8n, 1);
    expect(s.highWatermark([1, 2], 8n, 2)).toBe(8n);
    // Broker 2 left the ISR: the leader alone has [8, 12), which stays uncommitted.
    expect(s.highWatermark([1], 12n, 2)).toBeNull();
    expect(s.highWatermark([1], 12n, 1)).toBe(12n);
  });

  it('counts a member being added, and keeps a member being removed until the coordinator agreed', () => {
    const s = new LeaderState(1, 0, [1, 2, 3], [1, 2], 0);
    s.recordFetch(2, 9n, 9n, 1);
    s.recordFetch(3, 4n, 9n, 1);
    s.pendingIsr = [1, 2, 3];
    expect(s.highWatermark([1, 2], 9n, 1)).toBe(4n);
    s.pendingIsr = [1];
    expect(s.highWatermark([1, 2], 9n, 1)).toBe(9n);
  });

  it('finds members not caught up within the lag window; a follower that keeps up with the previous fetch is not lagging', () => {
    const s = new LeaderState(1, 0, [1, 2, 3], [1, 2, 3], 0);
    s.recordFetch(2, 0n, 10n, 100);
    s.recordFetch(2, 10n, 20n, 200); // had everything the leader had at the previous fetch
    s.recordFetch(3, 0n, 10n, 100);
    expect(s.laggingMembers([1, 2, 3], 1_050, 1_000)).toEqual([3]);
    expect(s.laggingMembers([1, 2, 3], 1_250, 1_000)).toEqual([2, 3]);
  });

  it('lets a follower join the ISR only when caught up to the leader and past the high watermark and epoch start', () => {
    const s = new LeaderState(1, 3, [1, 2, 3], [1, 2], 0);
    expect(s.canJoinIsr(3, 5n, 5n, 10, 1_000)).toBe(false);
    s.recordFetch(3, 4n, 8n, 10);
    expect(s.canJoinIsr(3, 5n, 5n, 10, 1_000)).toBe(false);
    s.recordFetch(3, 8n, 8n, 20);
    expect(s.canJoinIsr(3, 8n, 5n, 20, 1_000)).toBe(true);
    expect(s.canJoinIsr(3, 9n, 5n, 20, 1_000)).toBe(false);
    expect(s.canJoinIsr(3, 8n, 5n, 5_000, 1_000)).toBe(false);
  });
});
