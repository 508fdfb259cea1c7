import type { Assignment } from '../../metadata/group-state.js';

/** One member as an assignor sees it. */
export interface AssignorMember {
  memberId: string;
  /** Static id when the member has one: range orders by it so restarts keep ranges. */
  instanceId: string | null;
  /** Subscribed topics that exist (regex already resolved), sorted. */
  topics: string[];
  /** What the member is assigned now (stickiness starts from here). */
  current: Assignment;
}

/** Input of an assignor: members and the partition count of every subscribed topic. */
export interface AssignmentSpec {
  members: AssignorMember[];
  /** Partition counts by topic name. */
  topicPartitions: Record<string, number>;
}

/**
 * A server-side assignor: a pure, deterministic function (same input, same output), so the
 * target it computes can be stored in a log record and never needs recomputing on replay.
 * Every member of the spec gets an entry (possibly empty); no partition goes to two members.
 */
export type Assignor = (spec: AssignmentSpec) => Record<string, Assignment>;
