import type { Assignment } from '../../metadata/group-state.js';
import { fromPairs } from '../../metadata/group-state.js';

/**
 * Reads the topics out of a classic consumer's subscription (Kafka's
 * ConsumerProtocolSubscription: int16 version, int32-counted int16-length topic names, ...)
 * for describing the group; bytes that do not parse give no topics.
 */
export function subscribedTopics(metadata: Buffer): string[] {
  try {
    const reader = new BoundedReader(metadata);
    reader.int16();
    const count = reader.count();
    return Array.from({ length: count }, () => reader.string());
  } catch {
    return [];
  }
}

/**
 * Reads the partitions out of a classic consumer's assignment (ConsumerProtocolAssignment:
 * int16 version, then topics each with int32 partitions); bytes that do not parse give none.
 */
export function assignedPartitions(assignment: Buffer): Assignment {
  if (assignment.length === 0) return {};
  try {
    const reader = new BoundedReader(assignment);
    reader.int16();
    const pairs: Array<[string, number]> = [];
    const topics = reader.count();
    for (let t = 0; t < topics; t++) {
      const topic = reader.string();
      const partitions = reader.count();
      for (let p = 0; p < partitions; p++) pairs.push([topic, reader.int32()]);
    }
    return fromPairs(pairs);
  } catch {
    return {};
  }
}

/** Big-endian reads that throw past the end (caught above). */
class BoundedReader {
  #at = 0;
  constructor(private readonly buffer: Buffer) {}
  int16(): number {
    const v = this.buffer.readInt16BE(this.#at);
    this.#at += 2;
    return v;
  }
  int32(): number {
    const v = this.buffer.readInt32BE(this.#at);
    this.#at += 4;
    return v;
  }
  /** A count no larger than the bytes left (so a lying count cannot allocate). */
  count(): number {
    const n = this.int32();
    if (n < 0 || n > this.buffer.length - this.#at) throw new RangeError('bad count');
    return n;
  }
  string(): string {
    const length = this.int16();
    if (length < 0 || length > this.buffer.length - this.#at) throw new RangeError('bad string');
    const s = this.buffer.toString('utf8', this.#at, this.#at + length);
    this.#at += length;
    return s;
  }
}
