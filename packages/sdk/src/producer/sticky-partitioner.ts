/**
 * Kafka's sticky partitioning of records without a key (KIP-480, refined by KIP-794): all
 * of them go to one partition until about one batch worth of bytes has gone there, then to
 * another. Batches fill up, so fewer, larger requests carry the same records, while over time
 * every partition gets its share.
 */
export class StickyPartitionChooser {
  readonly #stickyBytes: number;
  readonly #random: () => number;
  readonly #current = new Map<string, { partition: number; bytes: number }>();

  /** `stickyBytes`: bytes sent to one partition before moving on (the producer's batchBytes). */
  constructor(stickyBytes: number, random: () => number = Math.random) {
    this.#stickyBytes = stickyBytes;
    this.#random = random;
  }

  /** The partition for a record of `recordBytes` bytes; counts it toward the current partition. */
  choose(topic: string, numPartitions: number, recordBytes: number): number {
    let state = this.#current.get(topic);
    if (!state || state.partition >= numPartitions || state.bytes >= this.#stickyBytes) {
      state = { partition: this.#next(state?.partition, numPartitions), bytes: 0 };
      this.#current.set(topic, state);
    }
    state.bytes += recordBytes;
    return state.partition;
  }

  // A different partition than the last one whenever there is a choice.
  #next(previous: number | undefined, numPartitions: number): number {
    if (previous === undefined || numPartitions < 2 || previous >= numPartitions) {
      return Math.floor(this.#random() * numPartitions);
    }
    return (previous + 1 + Math.floor(this.#random() * (numPartitions - 1))) % numPartitions;
  }
}
