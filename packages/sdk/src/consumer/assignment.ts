import { InvalidArgumentError } from '../errors.js';
import { type TopicPartition, tpKey } from '../topic-partition.js';
import { newPartitionState, type PartitionState, seekState } from './partition-state.js';

/** The partitions a consumer holds, each with its {@link PartitionState}, in assignment order. */
export class Assignment {
  #states = new Map<string, PartitionState>();

  /** Every held partition's state. */
  states(): PartitionState[] {
    return [...this.#states.values()];
  }

  /** The held partitions. */
  partitions(): TopicPartition[] {
    return this.states().map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The state of a held partition; InvalidArgumentError when it is not held. */
  get(tp: TopicPartition): PartitionState {
    const state = this.#states.get(tpKey(tp));
    if (!state)
      throw new InvalidArgumentError(`${tp?.topic}:${tp?.partition} is not assigned to this consumer`);
    return state;
  }

  /** Holds exactly `partitions`: kept ones keep their state, new ones start without a position. */
  replace(partitions: readonly TopicPartition[]): void {
    const next = new Map<string, PartitionState>();
    for (const tp of partitions) {
      const key = tpKey(tp);
      next.set(key, this.#states.get(key) ?? newPartitionState(tp));
    }
    // A fetch in flight for a dropped partition must not touch the state it would find again.
    for (const [key, state] of this.#states) if (!next.has(key)) seekState(state, undefined);
    this.#states = next;
  }

  /** Starts holding a partition; false when it is held already. */
  add(tp: TopicPartition): boolean {
    const key = tpKey(tp);
    if (this.#states.has(key)) return false;
    this.#states.set(key, newPartitionState(tp));
    return true;
  }

  /** Stops holding a partition; a fetch in flight for it drops its answer (the generation moves). */
  remove(tp: TopicPartition): void {
    const key = tpKey(tp);
    const state = this.#states.get(key);
    if (state) seekState(state, undefined);
    this.#states.delete(key);
  }
}
