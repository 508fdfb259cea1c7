/** What the leader knows about one follower of a partition. */
export interface FollowerProgress {
  /** The follower's log end offset (its last fetch offset); -1 until it fetched in this epoch. */
  logEndOffset: bigint;
  /** Last time the follower had everything the leader had (ms). */
  lastCaughtUpMs: number;
  /** The leader's log end when it answered the follower's previous fetch. */
  leaderEndAtLastFetch: bigint;
  /** When the previous fetch was answered (ms). */
  lastFetchMs: number;
}

/**
 * The leader's replication view of one partition for one leader epoch (Kafka's Partition
 * and Replica state): each follower's log end offset and last caught-up time, the ISR
 * change in flight, and from these the high watermark and the ISR changes to ask for.
 * Pure bookkeeping (time comes in as arguments) so it is tested without a cluster.
 */
export class LeaderState {
  private readonly followers = new Map<number, FollowerProgress>();
  /** The ISR asked for in an AlterPartition that has not been answered yet. */
  pendingIsr: readonly number[] | null = null;

  constructor(
    readonly selfId: number,
    readonly leaderEpoch: number,
    replicas: readonly number[],
    isr: readonly number[],
    nowMs: number,
  ) {
    for (const id of replicas) {
      if (id === selfId) continue;
      // ISR members get a fresh caught-up time: a new leader gives them one lag window.
      this.followers.set(id, {
        logEndOffset: -1n,
        lastCaughtUpMs: isr.includes(id) ? nowMs : 0,
        leaderEndAtLastFetch: -1n,
        lastFetchMs: 0,
      });
    }
  }

  /** The follower's progress, if it is a replica. */
  follower(id: number): FollowerProgress | undefined {
    return this.followers.get(id);
  }

  /**
   * Records a follower fetch at `fetchOffset` (its log end) answered while the leader's log
   * ends at `leaderEnd`. The follower counts as caught up now when it has the whole log,
   * and as of its previous fetch when it has everything the leader had then (Kafka's rule,
   * so a follower under steady load is not judged lagging by one in-flight batch).
   */
  recordFetch(id: number, fetchOffset: bigint, leaderEnd: bigint, nowMs: number): void {
    const f = this.followers.get(id);
    if (!f) return;
    if (fetchOffset >= leaderEnd) f.lastCaughtUpMs = nowMs;
    else if (f.leaderEndAtLastFetch >= 0n && fetchOffset >= f.leaderEndAtLastFetch) {
      f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
    }
    f.logEndOffset = fetchOffset;
    f.leaderEndAtLastFetch = leaderEnd;
    f.lastFetchMs = nowMs;
  }

  /**
   * The smallest log end offset over the ISR (plus members being added), or null while an
   * ISR member has not fetched in this epoch. A shrink in flight does not count until the
   * coordinator accepted it: until then the removed member still holds the watermark back,
   * so a leader cut off from the coordinator cannot commit alone.
   *
   * Also null while the ISR is smaller than `minIsr` (KIP-966's strict min ISR): nothing
   * becomes committed then, so a replica that left the ISR meanwhile still holds every
   * committed record and stays a safe leader (an eligible leader replica). acks=1 writes
   * are kept and become visible once the ISR is back.
   */
  highWatermark(isr: readonly number[], leaderEnd: bigint, minIsr: number): bigint | null {
    if (isr.length < minIsr) return null;
    const members = new Set([...isr, ...(this.pendingIsr ?? [])]);
    let hw = leaderEnd;
    for (const id of members) {
      if (id === this.selfId) continue;
      const f = this.followers.get(id);
      if (!f || f.logEndOffset < 0n) return null;
      if (f.logEndOffset < hw) hw = f.logEndOffset;
    }
    return hw;
  }

  /** ISR members (not the leader) that have not been caught up for longer than `lagMaxMs`. */
  laggingMembers(isr: readonly number[], nowMs: number, lagMaxMs: number): number[] {
    return isr.filter((id) => {
      if (id === this.selfId) return false;
      const f = this.followers.get(id);
      return f !== undefined && nowMs - f.lastCaughtUpMs > lagMaxMs;
    });
  }

  /**
   * Whether follower `id` (not in the ISR) may join it: it has every committed record and
   * everything written in this leader epoch so far (its log end is at or past the high
   * watermark and the epoch's start), and it was fully caught up within the lag window.
   * A replica that restarted after a crash therefore rejoins only after catching up.
   */
  canJoinIsr(
    id: number,
    highWatermark: bigint,
    epochStartOffset: bigint,
    nowMs: number,
    lagMaxMs: number,
  ): boolean {
    const f = this.followers.get(id);
    if (!f || f.logEndOffset < 0n) return false;
    return (
      f.logEndOffset >= highWatermark &&
      f.logEndOffset >= epochStartOffset &&
      nowMs - f.lastCaughtUpMs <= lagMaxMs &&
      f.lastCaughtUpMs > 0
    );
  }
}
