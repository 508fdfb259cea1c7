/**
 * Offline checker of a consumer group's assignments as the coordinator described them during a
 * run (DescribeGroup, polled): no partition owned by two members at once, and no partition
 * owned by two members in one epoch. In KIP-848 a member reaches epoch E only with a subset of
 * its target assignment of E, and a partition enters someone's target only after its previous
 * owner revoked it, so the members of one epoch always hold disjoint partitions; a coordinator
 * that lost track of assignments across a failover (a new leader rebuilding them from the log
 * while the old one still answered heartbeats) breaks it.
 */

/** One member's part of a {@link GroupAssignmentSnapshot}. */
export interface MemberAssignment {
  memberId: string;
  memberEpoch: number;
  /** Owned partitions, as `topic:partition`. */
  partitions: string[];
}

/** The group's assignments at one instant, as one DescribeGroup answered them. */
export interface GroupAssignmentSnapshot {
  t: number;
  groupEpoch: number;
  members: MemberAssignment[];
}

export interface GroupOwnershipResult {
  problems: string[];
  snapshots: number;
  /** Distinct member epochs seen with an assignment. */
  epochs: number;
}

/** Checks every snapshot and every epoch across the snapshots; see the file's description. */
export function checkGroupOwnership(snapshots: readonly GroupAssignmentSnapshot[]): GroupOwnershipResult {
  const problems: string[] = [];
  // epoch -> partition -> members seen owning it at that epoch
  const owners = new Map<number, Map<string, Set<string>>>();
  for (const snapshot of snapshots) {
    const now = new Map<string, string>();
    for (const member of snapshot.members) {
      if (member.memberEpoch < 0) {
        problems.push(
          `member ${member.memberId} described with epoch ${member.memberEpoch} at ${snapshot.t}`,
        );
      }
      if (member.memberEpoch > snapshot.groupEpoch) {
        problems.push(
          `member ${member.memberId} at epoch ${member.memberEpoch} above the group epoch ${snapshot.groupEpoch} at ${snapshot.t}`,
        );
      }
      for (const partition of member.partitions) {
        const other = now.get(partition);
        if (other !== undefined && other !== member.memberId) {
          problems.push(
            `partition ${partition} owned by ${other} and ${member.memberId} at once (t=${snapshot.t})`,
          );
        }
        now.set(partition, member.memberId);
        let byPartition = owners.get(member.memberEpoch);
        if (!byPartition) {
          byPartition = new Map();
          owners.set(member.memberEpoch, byPartition);
        }
        const members = byPartition.get(partition) ?? new Set<string>();
        members.add(member.memberId);
        byPartition.set(partition, members);
      }
    }
  }
  for (const [epoch, byPartition] of [...owners].sort(([a], [b]) => a - b)) {
    for (const [partition, members] of byPartition) {
      if (members.size > 1) {
        problems.push(`partition ${partition} owned by ${[...members].join(' and ')} in epoch ${epoch}`);
      }
    }
  }
  return { problems: [...new Set(problems)], snapshots: snapshots.length, epochs: owners.size };
}
