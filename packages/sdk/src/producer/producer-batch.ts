import { type Header, RecordBatchBuilder, setProducerState } from '@fjord/protocol';
import type { FjordError } from '../errors.js';

/** Where a message was written. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1n with acks=0 (the broker answers before it assigns offsets). */
  offset: bigint;
  /** The record's timestamp (the broker's when the topic uses LogAppendTime), ms. */
  timestamp: number;
}

/** One `send()` call: resolves when every one of its records is acknowledged. */
export class SendCall {
  readonly results: RecordMetadata[];
  /** The partition of each message, chosen before any is queued. */
  partitions: number[] | undefined;
  #remaining: number;
  #settled = false;
  readonly promise: Promise<RecordMetadata[]>;
  #resolve!: (results: RecordMetadata[]) => void;
  #reject!: (error: Error) => void;

  constructor(count: number) {
    this.results = new Array<RecordMetadata>(count);
    this.#remaining = count;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Records the metadata of message `index`; resolves the call after the last one. */
  complete(index: number, metadata: RecordMetadata): void {
    if (this.#settled) return;
    this.results[index] = metadata;
    if (--this.#remaining === 0) {
      this.#settled = true;
      this.#resolve(this.results);
    }
  }

  /** Rejects the call (first failure wins; later completions are ignored). */
  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}

/**
 * Records for one partition, written into a {@link RecordBatchBuilder} as they are sent and
 * sealed (compressed, numbered) once, on its first send, so a retry sends the same bytes.
 */
let nextBatchId = 0;

export class ProducerBatch {
  /** Creation order: retried batches of a partition are resent in this order. */
  readonly id = nextBatchId++;
  readonly #builder: RecordBatchBuilder;
  readonly #calls: SendCall[] = [];
  readonly #indexes: number[] = [];
  readonly #timestamps: number[] = [];
  #sealed: Buffer | undefined;
  #done!: () => void;
  /** Resolves when the batch is acknowledged or failed. */
  readonly done = new Promise<void>((resolve) => {
    this.#done = resolve;
  });
  /** Set by the sender on the first send; -1 without idempotence. */
  baseSequence = -1;
  producerEpoch = -1;
  /**
   * Set by the sender on each send: true when every earlier batch of the partition was
   * acknowledged at that moment, so the broker cannot have been missing one of them.
   */
  sentAfterEarlierAcked = false;
  /** The failure of the previous attempt, reported as the cause if the batch expires. */
  lastError: FjordError | undefined;
  /** Failed attempts so far (drives the backoff). */
  attempts = 0;
  /** Not sent again before this time (ms), after a retriable failure. */
  retryAt = 0;
  /** True once no more records go in (full, or sent). */
  closed = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Bytes reserved in the producer's memory budget for this batch. */
    readonly reservedBytes: number,
    /** When the first record was added (ms): the linger and delivery clocks start here. */
    readonly createdAt: number,
    /** The buffer the records are written into, `reservedBytes` long. */
    buffer: Buffer,
  ) {
    this.#builder = new RecordBatchBuilder(buffer);
  }

  /** The buffer written into; free for reuse once the batch is answered. */
  get buffer(): Buffer {
    return this.#builder.buffer;
  }

  get recordCount(): number {
    return this.#builder.count;
  }

  get sizeInBytes(): number {
    return this.#sealed ? this.#sealed.length : this.#builder.sizeInBytes;
  }

  /** Appends one record of `call`; false when it does not fit (the batch is then closed). */
  tryAppend(
    key: Buffer | null,
    value: Buffer | null,
    headers: Header[] | undefined,
    timestamp: number,
    call: SendCall,
    index: number,
  ): boolean {
    if (this.closed) return false;
    if (!this.#builder.tryAppend(key, value, headers, timestamp)) {
      this.closed = true;
      return false;
    }
    this.#calls.push(call);
    this.#indexes.push(index);
    this.#timestamps.push(timestamp);
    return true;
  }

  get isSealed(): boolean {
    return this.#sealed !== undefined;
  }

  /** The batch bytes; sealed on the first call with these header fields, then unchanged. */
  seal(compression: number, producerId: bigint, producerEpoch: number, baseSequence: number): Buffer {
    if (!this.#sealed) {
      this.closed = true;
      this.baseSequence = baseSequence;
      this.producerEpoch = producerEpoch;
      this.#sealed = this.#builder.build({ compression, producerId, producerEpoch, baseSequence });
    }
    return this.#sealed;
  }

  /**
   * Gives a sealed batch a new producer id, epoch and base sequence (after an epoch bump,
   * KIP-360): the bytes stay the same records, re-stamped with a new CRC. Without this, a
   * batch sealed in the old epoch would be refused as out of order until it expired.
   */
  resequence(producerId: bigint, producerEpoch: number, baseSequence: number): void {
    if (!this.#sealed) throw new Error('only a sealed batch is re-sequenced');
    setProducerState(this.#sealed, producerId, producerEpoch, baseSequence);
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
  }

  /** Resolves every record with its offset (baseOffset + position; -1n with acks=0). */
  complete(baseOffset: bigint, logAppendTimeMs: number): void {
    for (let i = 0; i < this.#calls.length; i++) {
      this.#calls[i]!.complete(this.#indexes[i]!, {
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i),
        timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : this.#timestamps[i]!,
      });
    }
    this.#done();
  }

  /** Rejects every send with a record in this batch. */
  fail(error: FjordError): void {
    for (const call of this.#calls) call.fail(error);
    this.#done();
  }
}
