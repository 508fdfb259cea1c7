/**
 * Consumer-group data kept in the coordinator's metadata state (and so in its log and
 * snapshots). Plain JSON, like the rest of MetadataState. Sessions (when a member was last
 * heard from) are deliberately not here: they are about this process's clock (see
 * groups/group-sessions.ts).
 */

/** Partitions by topic name, each list ascending. */
export type Assignment = Record<string, number[]>;

/** The server-side assignors a group can use. */
export const ASSIGNORS = ['uniform', 'range'] as const;
export type AssignorName = (typeof ASSIGNORS)[number];

export interface MemberState {
  memberId: string;
  /** Static membership id, null for dynamic members. */
  instanceId: string | null;
  /** The assignment epoch the member has reconciled to. */
  memberEpoch: number;
  /** The epoch before the last bump: a commit racing with the bump is still accepted. */
  previousMemberEpoch: number;
  /** True while a static member is away (left with epoch -2); it keeps its partitions. */
  away: boolean;
  subscribedTopics: string[];
  /** A regex in RE2 syntax (see groups/subscription.ts), or null. */
  subscribedRegex: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** Partitions the member may own now (the coordinator gave them and has not taken them back). */
  assigned: Assignment;
  /** Partitions the member was asked to give up and has not yet confirmed releasing. */
  revoking: Assignment;
}

/** The membership part of a group: replaced as a whole by a GroupUpdate record. */
export interface GroupMembership {
  groupId: string;
  /**
   * `classic` for a group of Kafka's classic protocol (JoinGroup/SyncGroup; its members are
   * kept in memory, see classic/classic-groups.ts); absent for Fjord's KIP-848 protocol.
   */
  protocol?: 'classic';
  /** Bumped on every change of members, subscriptions or subscribed topics' partitions. */
  groupEpoch: number;
  /** The group epoch the target assignment was computed for. */
  assignmentEpoch: number;
  assignor: AssignorName;
  members: Record<string, MemberState>;
  /** What the assignor wants each member to own, by member id. */
  target: Record<string, Assignment>;
  /** Partition counts of the subscribed topics the target was computed from. */
  subscribedTopicPartitions: Record<string, number>;
}

export interface CommittedOffset {
  /** Decimal string (JSON has no int64). */
  offset: string;
  metadata: string;
}

export interface GroupState extends GroupMembership {
  /** topic -> partition (decimal string) -> committed offset. */
  offsets: Record<string, Record<string, CommittedOffset>>;
}

/** Group states as listings show them. */
export type GroupStateName = 'Empty' | 'Reconciling' | 'Stable';

/** Empty: no members; Reconciling: some member is behind the target or revoking; else Stable. */
export function groupStateName(group: GroupMembership): GroupStateName {
  const members = Object.values(group.members);
  if (members.length === 0) return 'Empty';
  const settled = members.every(
    (m) =>
      m.memberEpoch === group.assignmentEpoch &&
      isEmptyAssignment(m.revoking) &&
      sameAssignment(m.assigned, group.target[m.memberId] ?? {}),
  );
  return settled ? 'Stable' : 'Reconciling';
}

/** True when no topic has a partition. */
export function isEmptyAssignment(a: Assignment): boolean {
  return Object.values(a).every((ps) => ps.length === 0);
}

/** Deep equality of two assignments (empty topic lists ignored). */
export function sameAssignment(a: Assignment, b: Assignment): boolean {
  return toKeys(a).join(',') === toKeys(b).join(',');
}

/** `topic:partition` keys, sorted. */
export function toKeys(a: Assignment): string[] {
  const keys: string[] = [];
  for (const [topic, partitions] of Object.entries(a)) for (const p of partitions) keys.push(`${topic}:${p}`);
  return keys.sort();
}

/** Builds an assignment from (topic, partition) pairs; normalised (sorted, no empty topics). */
export function fromPairs(pairs: Iterable<readonly [string, number]>): Assignment {
  const out: Assignment = {};
  for (const [topic, partition] of pairs) {
    const list = out[topic] ?? [];
    if (!list.includes(partition)) list.push(partition);
    out[topic] = list;
  }
  return normalise(out);
}

/** Pairs of an assignment. */
export function toPairs(a: Assignment): Array<[string, number]> {
  const pairs: Array<[string, number]> = [];
  for (const topic of Object.keys(a).sort()) for (const p of a[topic] ?? []) pairs.push([topic, p]);
  return pairs;
}

/** Sorted topics and partitions, without empty topics (so equal assignments are equal JSON). */
export function normalise(a: Assignment): Assignment {
  const out: Assignment = {};
  for (const topic of Object.keys(a).sort()) {
    const partitions = [...new Set(a[topic] ?? [])].sort((x, y) => x - y);
    if (partitions.length > 0) out[topic] = partitions;
  }
  return out;
}

/** a ∩ b */
export function intersect(a: Assignment, b: Assignment): Assignment {
  return fromPairs(toPairs(a).filter(([t, p]) => b[t]?.includes(p) ?? false));
}

/** a \ b */
export function subtract(a: Assignment, b: Assignment): Assignment {
  return fromPairs(toPairs(a).filter(([t, p]) => !(b[t]?.includes(p) ?? false)));
}

/** a ∪ b */
export function union(a: Assignment, b: Assignment): Assignment {
  return fromPairs([...toPairs(a), ...toPairs(b)]);
}
