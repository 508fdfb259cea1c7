/** A partition of a topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** An offset to commit: the offset of the next record to read. */
export interface OffsetToCommit extends TopicPartition {
  offset: bigint;
}

/**
 * What `fjord consume --group` may commit: per partition, the offset after the last record it
 * printed. A poll can return more records than `-n` still allows; committing the consumer's
 * position would mark the unprinted ones as consumed and the next run would skip them, so
 * the command commits only these offsets.
 */
export class PrintedOffsets {
  readonly #next = new Map<string, OffsetToCommit>();
  readonly #committed = new Map<string, bigint>();

  /** A record was written to the output. */
  printed(record: TopicPartition & { offset: bigint }): void {
    const key = keyOf(record);
    const next = record.offset + 1n;
    if (next > (this.#next.get(key)?.offset ?? -1n)) {
      this.#next.set(key, { topic: record.topic, partition: record.partition, offset: next });
    }
  }

  /** Offsets printed but not committed yet, of `partitions` (all when omitted). */
  pending(partitions?: readonly TopicPartition[]): OffsetToCommit[] {
    const only = partitions ? new Set(partitions.map(keyOf)) : undefined;
    return [...this.#next]
      .filter(([key, o]) => (!only || only.has(key)) && o.offset > (this.#committed.get(key) ?? -1n))
      .map(([, o]) => ({ ...o }));
  }

  /** The group stored these offsets. */
  committed(offsets: readonly OffsetToCommit[]): void {
    for (const o of offsets) {
      const key = keyOf(o);
      if (o.offset > (this.#committed.get(key) ?? -1n)) this.#committed.set(key, o.offset);
    }
  }

  /** The partitions are gone (revoked or lost): whatever comes next for them is another member's. */
  forget(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      this.#next.delete(keyOf(tp));
      this.#committed.delete(keyOf(tp));
    }
  }
}

function keyOf(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}
