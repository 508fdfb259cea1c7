import { FjordError } from '../errors.js';

/** Obtains a producer id and epoch from the cluster (InitProducerId). */
export type ProducerIdSource = () => Promise<{ producerId: bigint; producerEpoch: number }>;

const MAX_EPOCH = 32767;
const MAX_SEQUENCE = 2147483647;

/**
 * The idempotent producer's identity and per-partition sequence numbers (Kafka's
 * TransactionManager without transactions). Every batch of a partition gets the next
 * sequence on its first send and keeps it for every retry, so the broker can drop a batch it
 * already has and refuse one that skips ahead. After a batch failed for good its sequence is
 * lost, so the epoch is bumped (locally, as KIP-360 allows idempotent producers; a new id
 * when the epoch would overflow) and every partition starts again at 0.
 */
export class Idempotence {
  readonly #source: ProducerIdSource;
  #producerId = -1n;
  #epoch = -1;
  readonly #sequences = new Map<string, number>();
  /** Per partition, the sequence after the last acknowledged batch of this epoch. */
  readonly #acked = new Map<string, number>();
  #init: Promise<void> | undefined;
  /** Set by the sender when a batch with a sequence failed for good. */
  needsNewEpoch = false;

  constructor(source: ProducerIdSource) {
    this.#source = source;
  }

  get ready(): boolean {
    return this.#producerId >= 0n;
  }

  get producerId(): bigint {
    return this.#producerId;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Gets the producer id once (concurrent callers share the call). */
  ensure(): Promise<void> {
    this.#init ??= this.#source().then(
      ({ producerId, producerEpoch }) => {
        this.#producerId = producerId;
        this.#epoch = producerEpoch;
      },
      (error: unknown) => {
        this.#init = undefined;
        throw FjordError.from(error);
      },
    );
    return this.#init;
  }

  /** Starts a new epoch: sequences restart at 0 on every partition. */
  async bumpEpoch(): Promise<void> {
    if (this.#epoch >= MAX_EPOCH) {
      this.#producerId = -1n;
      this.#init = undefined;
      await this.ensure();
    } else {
      this.#epoch++;
    }
    this.#sequences.clear();
    this.#acked.clear();
    this.needsNewEpoch = false;
  }

  /** The base sequence of the next batch of `count` records for a partition. */
  nextSequence(topic: string, partition: number, count: number): number {
    const key = `${topic}\u0000${partition}`;
    const base = this.#sequences.get(key) ?? 0;
    this.#sequences.set(key, wrap(base + count));
    return base;
  }

  /** Notes that the batch of `count` records at `baseSequence` was acknowledged. */
  acknowledged(topic: string, partition: number, baseSequence: number, count: number): void {
    this.#acked.set(`${topic}\u0000${partition}`, wrap(baseSequence + count));
  }

  /** True when `baseSequence` directly follows the partition's last acknowledged batch. */
  isNextAfterAcked(topic: string, partition: number, baseSequence: number): boolean {
    return (this.#acked.get(`${topic}\u0000${partition}`) ?? 0) === baseSequence;
  }
}

/** Sequences wrap around at int32 max, as in Kafka. */
function wrap(sequence: number): number {
  return sequence > MAX_SEQUENCE ? sequence - MAX_SEQUENCE - 1 : sequence;
}
