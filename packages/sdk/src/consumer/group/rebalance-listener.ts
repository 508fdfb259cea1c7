import type { TopicPartition } from '../../topic-partition.js';

/**
 * Called by a group consumer inside `poll()` (so never while the application is processing
 * records of a poll) when its partitions change.
 */
export interface RebalanceListener {
  /**
   * The consumer got these partitions; their positions come from the committed offsets (or
   * `autoOffsetReset`) unless the listener seeks.
   */
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /**
   * The consumer is giving these partitions up: it stopped fetching them and commits their
   * processed offsets right after this returns (commit() here works too). Nobody else gets
   * them before that.
   */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /**
   * The consumer lost these partitions without a clean handover (fenced, session lost):
   * another member may own them already, so committing is no longer possible. Defaults to
   * onPartitionsRevoked.
   */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}
