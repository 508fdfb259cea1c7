/**
 * The most recently appended batches of every partition a broker stores, kept in memory so
 * that followers and consumers at the end of a log are answered without reading LevelDB.
 *
 * A fetch from LevelDB costs two iterators (the batch holding the fetch offset, then the
 * batches after it), each a few round trips to libuv's thread pool: on the leader of an RF=3
 * partition that was a tenth of its CPU and a wait on every replica fetch, which the acks=all
 * producer waits for in turn (docs/PERFORMANCE.md, "Tail cache"). Kafka gets the same from
 * the OS page cache holding the active segment.
 *
 * One budget per broker bounds the memory: when it is full the oldest batch of all goes,
 * whichever partition it belongs to. A partition's cached batches are always a contiguous
 * suffix of its log, so a read either starts inside them or goes to LevelDB.
 */

/** Default of the broker's `--tail-cache-bytes`: memory for recently appended batches. */
export const DEFAULT_TAIL_CACHE_BYTES = 64 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

interface CachedBatch {
  baseOffset: bigint;
  /** Offset after the batch's last record. */
  nextOffset: bigint;
  /** Emptied when the batch is dropped, so that the budget's queue does not keep it alive. */
  bytes: Buffer;
  /** Set when the batch left its partition's cache by any path, so the budget's queue skips it. */
  dropped: boolean;
  owner: PartitionTail;
}

/** The broker-wide byte budget of every partition's {@link PartitionTail}. */
export class TailCache {
  private usedBytes = 0;
  /** Batches held (not dropped). */
  private live = 0;
  /** Every cached batch in the order it was added (dropped ones are skipped lazily). */
  private queue: CachedBatch[] = [];
  private queueHead = 0;

  constructor(readonly capacityBytes: number = DEFAULT_TAIL_CACHE_BYTES) {}

  /** Bytes currently held. */
  get bytes(): number {
    return this.usedBytes;
  }

  /** A partition's view of the cache. */
  partition(): PartitionTail {
    return new PartitionTail(this);
  }

  /** @internal */
  add(batch: CachedBatch): void {
    this.usedBytes += batch.bytes.length;
    this.live++;
    this.queue.push(batch);
    while (this.usedBytes > this.capacityBytes && this.queueHead < this.queue.length) {
      const oldest = this.queue[this.queueHead++]!;
      if (!oldest.dropped) oldest.owner.dropOldest(oldest);
    }
    // Batches dropped by their partition (truncation, retention) stay queued until the head
    // passes them; rebuild the queue when they outnumber the live ones, so it stays bounded.
    const queued = this.queue.length - this.queueHead;
    if (queued > 1024 && queued > 2 * this.live) {
      this.queue = this.queue.slice(this.queueHead).filter((b) => !b.dropped);
      this.queueHead = 0;
    }
  }

  /** @internal */
  release(batch: CachedBatch): void {
    batch.dropped = true;
    this.usedBytes -= batch.bytes.length;
    this.live--;
    batch.bytes = EMPTY;
  }
}

/** The cached suffix of one partition's log. */
export class PartitionTail {
  private batches: CachedBatch[] = [];
  private head = 0;

  constructor(private readonly cache: TailCache) {}

  /**
   * Adds a batch just committed at the end of the log. A batch that does not continue the
   * cached ones (they were dropped, or the log changed under them) starts the suffix over.
   * The bytes are copied when they are a small view of a larger buffer (a request or a
   * fetch answer holding other partitions' batches), so the budget counts what is held.
   */
  append(baseOffset: bigint, nextOffset: bigint, bytes: Buffer): void {
    if (this.cache.capacityBytes <= 0 || bytes.length > this.cache.capacityBytes) {
      this.clear();
      return;
    }
    const end = this.endOffset;
    if (end !== undefined && end !== baseOffset) this.clear();
    const held = bytes.byteLength * 2 < bytes.buffer.byteLength ? Buffer.from(bytes) : bytes;
    const batch: CachedBatch = { baseOffset, nextOffset, bytes: held, dropped: false, owner: this };
    this.batches.push(batch);
    this.cache.add(batch);
  }

  /**
   * The cached batches from the one holding `fetchOffset` while their base offset is below
   * `limit`, within `maxBytes` (with `minOneBatch` the first one even if larger), as
   * PartitionLog.read returns them; undefined when `fetchOffset` is below the cached suffix.
   */
  read(
    fetchOffset: bigint,
    limit: bigint,
    maxBytes: number,
    minOneBatch: boolean,
  ): { batches: Buffer[]; sizeBytes: number } | undefined {
    const first = this.batches[this.head];
    if (!first || fetchOffset < first.baseOffset) return undefined;
    let i = this.indexHolding(fetchOffset);
    if (i < 0) return undefined;
    const result = { batches: [] as Buffer[], sizeBytes: 0 };
    for (; i < this.batches.length; i++) {
      const batch = this.batches[i]!;
      if (batch.baseOffset >= limit) break;
      const fits = result.sizeBytes + batch.bytes.length <= maxBytes;
      if (!fits && (result.batches.length > 0 || !minOneBatch)) break;
      result.batches.push(batch.bytes);
      result.sizeBytes += batch.bytes.length;
      if (!fits) break;
    }
    return result;
  }

  /** Offset the cached suffix starts at, or undefined when nothing is cached. */
  get startOffset(): bigint | undefined {
    return this.batches[this.head]?.baseOffset;
  }

  /** Offset after the last cached batch, or undefined when nothing is cached. */
  get endOffset(): bigint | undefined {
    return this.head < this.batches.length ? this.batches.at(-1)!.nextOffset : undefined;
  }

  /** Drops the cached batches that end at or below `offset` (retention moved the log start). */
  dropBelow(offset: bigint): void {
    while (this.head < this.batches.length && this.batches[this.head]!.baseOffset < offset) {
      this.cache.release(this.batches[this.head++]!);
    }
    this.compact();
  }

  /** Drops everything (truncation, deletion). */
  clear(): void {
    for (let i = this.head; i < this.batches.length; i++) this.cache.release(this.batches[i]!);
    this.batches = [];
    this.head = 0;
  }

  /** @internal The budget evicts this partition's oldest batch. */
  dropOldest(batch: CachedBatch): void {
    // The budget's queue is in append order, so its oldest live batch is this partition's first.
    if (this.batches[this.head] !== batch) {
      this.clear();
      return;
    }
    this.cache.release(batch);
    this.head++;
    this.compact();
  }

  /** Index of the cached batch whose offsets include `offset`, or -1 when none does. */
  private indexHolding(offset: bigint): number {
    let lo = this.head;
    let hi = this.batches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const batch = this.batches[mid]!;
      if (offset < batch.baseOffset) hi = mid - 1;
      else if (offset >= batch.nextOffset) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  private compact(): void {
    if (this.head === this.batches.length) {
      this.batches = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }
}
