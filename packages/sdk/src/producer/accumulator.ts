import { type Header, RecordBatchBuilder } from '@fjord/protocol';
import { BufferPool } from './buffer-pool.js';
import type { MemoryLimit } from './memory-limit.js';
import { ProducerBatch, type SendCall } from './producer-batch.js';

/** One record ready for a batch: serialized, partition chosen. */
export interface PendingRecord {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Header[] | undefined;
  timestamp: number;
  call: SendCall;
  index: number;
}

/** The batches of one partition, oldest first; the last one may still take records. */
export interface PartitionQueue {
  topic: string;
  partition: number;
  batches: ProducerBatch[];
  /** Batches of this partition sent and not answered yet. */
  inFlight: number;
}

/**
 * Kafka's RecordAccumulator: records are appended to the open batch of their partition; a
 * batch closes when the next record does not fit in `batchBytes`. Every batch buffer is
 * reserved in the {@link MemoryLimit} first, so what waits to be sent is bounded.
 */
export class RecordAccumulator {
  /** Topic -> queues by partition number; every queue also in #allQueues. */
  readonly #queues = new Map<string, PartitionQueue[]>();
  readonly #allQueues: PartitionQueue[] = [];
  readonly #batchBytes: number;
  readonly #memory: MemoryLimit;
  readonly #now: () => number;
  readonly #pool: BufferPool;
  #batchCount = 0;

  constructor(batchBytes: number, memory: MemoryLimit, now: () => number) {
    this.#batchBytes = batchBytes;
    // Up to 4 MiB of free buffers (at least 4), a fixed addition to bufferMemoryBytes.
    this.#pool = new BufferPool(batchBytes, Math.max(4, Math.floor((4 * 1024 * 1024) / batchBytes)));
    this.#memory = memory;
    this.#now = now;
  }

  /** Number of batches queued or in flight. */
  get batchCount(): number {
    return this.#batchCount;
  }

  queues(): readonly PartitionQueue[] {
    return this.#allQueues;
  }

  /**
   * Appends without waiting; returns the new batch when one was opened (for the linger
   * timer), `true` when the record joined an open batch, `false` when memory must be waited for.
   */
  tryAppend(record: PendingRecord): ProducerBatch | boolean {
    // Each waiting record also holds JS objects (its send's promise and callbacks): an
    // estimate of them is reserved too, so the budget bounds memory, not only batch bytes.
    if (!this.#memory.tryReserve(RECORD_OVERHEAD_BYTES)) return false;
    const queue = this.#queue(record.topic, record.partition);
    const open = queue.batches.at(-1);
    if (open && append(open, record)) return true;
    const size = this.#capacityFor(record);
    if (!this.#memory.tryReserve(size)) {
      this.#memory.release(RECORD_OVERHEAD_BYTES);
      return false;
    }
    return this.#open(queue, record, size);
  }

  /** Appends after waiting for memory (FIFO behind earlier waiters, up to maxBlockMs). */
  async append(record: PendingRecord): Promise<ProducerBatch | true> {
    const size = this.#capacityFor(record);
    await this.#memory.reserve(
      size + RECORD_OVERHEAD_BYTES,
      RecordBatchBuilder.sizeOfSingle(record.key, record.value, record.headers),
    );
    const queue = this.#queue(record.topic, record.partition);
    const open = queue.batches.at(-1);
    // Another waiter may have opened a batch meanwhile: fill it first, return the reservation.
    if (open && append(open, record)) {
      this.#memory.release(size);
      return true;
    }
    return this.#open(queue, record, size);
  }

  /** Removes a finished batch from its queue and returns its memory. */
  remove(batch: ProducerBatch): void {
    const queue = this.#queues.get(batch.topic)?.[batch.partition];
    if (queue) {
      const at = queue.batches.indexOf(batch);
      if (at >= 0) {
        queue.batches.splice(at, 1);
        this.#batchCount--;
        this.#pool.free(batch.buffer);
        this.#memory.release(batch.reservedBytes + batch.recordCount * RECORD_OVERHEAD_BYTES);
      }
    }
  }

  #capacityFor(record: PendingRecord): number {
    return Math.max(
      this.#batchBytes,
      RecordBatchBuilder.sizeOfSingle(record.key, record.value, record.headers) + 16,
    );
  }

  #open(queue: PartitionQueue, record: PendingRecord, size: number): ProducerBatch {
    const previous = queue.batches.at(-1);
    if (previous) previous.closed = true;
    const batch = new ProducerBatch(
      record.topic,
      record.partition,
      size,
      this.#now(),
      this.#pool.allocate(size),
    );
    // The capacity was computed for this record, so it always fits an empty batch.
    append(batch, record);
    queue.batches.push(batch);
    this.#batchCount++;
    return batch;
  }

  // Called for every record: a lookup by topic, then by index, with no key string to build.
  #queue(topic: string, partition: number): PartitionQueue {
    let byPartition = this.#queues.get(topic);
    if (!byPartition) {
      byPartition = [];
      this.#queues.set(topic, byPartition);
    }
    let queue = byPartition[partition];
    if (!queue) {
      queue = { topic, partition, batches: [], inFlight: 0 };
      byPartition[partition] = queue;
      this.#allQueues.push(queue);
    }
    return queue;
  }
}

/** Estimated JS heap held per queued record (send promise, callbacks, metadata). */
export const RECORD_OVERHEAD_BYTES = 256;

function append(batch: ProducerBatch, r: PendingRecord): boolean {
  return batch.tryAppend(r.key, r.value, r.headers, r.timestamp, r.call, r.index);
}
