import { ErrorCode } from '@fjord/protocol';
import type { Clock } from '../liveness/clock.js';
import { groupById } from '../metadata/group-records.js';
import type { MetadataState } from '../metadata/state.js';

/** The bounds, as the coordinator's settings give them. */
export interface PrincipalBoundSettings {
  readonly maxGroupsPerPrincipal: number;
  readonly maxGroupMembersPerPrincipal: number;
  readonly maxProducerIdsPerPrincipalPerMinute: number;
}

/** The bound a refusal is about: the one label of the refusal metric (a fixed set). */
export type BoundName = 'groups' | 'members' | 'producer_ids';

/** A refusal: THROTTLING_QUOTA_EXCEEDED with a message naming the bound and its setting. */
export interface BoundRefusal {
  readonly bound: BoundName;
  readonly errorCode: number;
  readonly errorMessage: string;
}

const MINUTE_MS = 60_000;

/**
 * What each principal has made the coordinator keep (issue #13, limits): the groups it
 * created, the members it joined, the producer ids it was given this minute, each under a
 * bound. Groups and members are counted while they exist in the metadata state: entries whose
 * group or member is gone are dropped when a principal reaches its bound, before it is
 * refused, so the count never needs the group code to report departures. Kept by the quorum
 * leader in memory (a new leader starts from zero, as its sessions do); `clear()` on a
 * leadership change. Under `--authorizer none` every caller is `User:ANONYMOUS`, so the bounds
 * act as cluster-wide caps.
 */
export class PrincipalBounds {
  private readonly groups = new Map<string, Set<string>>();
  private readonly members = new Map<string, Map<string, string>>();
  private readonly producerIds = new Map<string, { windowStartMs: number; count: number }>();
  private readonly refusalListeners: Array<(bound: BoundName) => void> = [];

  constructor(
    private readonly settings: PrincipalBoundSettings,
    private readonly clock: Clock,
    private readonly state: () => MetadataState,
  ) {}

  /** Calls `listener` on every refusal (for the metric). */
  onRefusal(listener: (bound: BoundName) => void): void {
    this.refusalListeners.push(listener);
  }

  /**
   * Whether `principal` may add a member to `groupId` (creating the group if it does not
   * exist): undefined, or the refusal.
   */
  admitMember(principal: string, groupId: string): BoundRefusal | undefined {
    const state = this.state();
    if (!groupById(state, groupId)) {
      const owned = this.groups.get(principal);
      if (owned && owned.size >= this.settings.maxGroupsPerPrincipal) {
        for (const id of owned) if (!groupById(state, id)) owned.delete(id);
        if (owned.size >= this.settings.maxGroupsPerPrincipal) {
          return this.refuse(
            'groups',
            `${principal} keeps ${owned.size} consumer groups, the most allowed (--max-groups-per-principal)`,
          );
        }
      }
    }
    const joined = this.members.get(principal);
    if (joined && joined.size >= this.settings.maxGroupMembersPerPrincipal) {
      for (const [memberId, group] of joined) {
        if (groupById(state, group)?.members[memberId] === undefined) joined.delete(memberId);
      }
      if (joined.size >= this.settings.maxGroupMembersPerPrincipal) {
        return this.refuse(
          'members',
          `${principal} has ${joined.size} group members, the most allowed (--max-group-members-per-principal)`,
        );
      }
    }
    return undefined;
  }

  /** Records a member `principal` joined (after the join succeeded), and the group if it created it. */
  recordMember(principal: string, groupId: string, memberId: string, createdGroup: boolean): void {
    if (createdGroup) {
      const owned = this.groups.get(principal) ?? new Set<string>();
      owned.add(groupId);
      this.groups.set(principal, owned);
    }
    const joined = this.members.get(principal) ?? new Map<string, string>();
    joined.set(memberId, groupId);
    this.members.set(principal, joined);
  }

  /** Takes one producer id of `principal`'s minute, or refuses it. */
  takeProducerId(principal: string): BoundRefusal | undefined {
    const now = this.clock.nowMs();
    let window = this.producerIds.get(principal);
    if (!window || now - window.windowStartMs >= MINUTE_MS) {
      window = { windowStartMs: now, count: 0 };
      this.producerIds.set(principal, window);
      // Windows of principals quiet for a minute are dropped, so the map stays small.
      for (const [other, w] of this.producerIds)
        if (now - w.windowStartMs >= MINUTE_MS) this.producerIds.delete(other);
    }
    if (window.count >= this.settings.maxProducerIdsPerPrincipalPerMinute) {
      const retryMs = window.windowStartMs + MINUTE_MS - now;
      return this.refuse(
        'producer_ids',
        `${principal} was given ${window.count} producer ids this minute, the most allowed (--max-producer-ids-per-principal-per-minute); retry in ${retryMs} ms`,
      );
    }
    window.count++;
    return undefined;
  }

  /** Forgets everything (the leadership changed). */
  clear(): void {
    this.groups.clear();
    this.members.clear();
    this.producerIds.clear();
  }

  private refuse(bound: BoundName, errorMessage: string): BoundRefusal {
    for (const listener of this.refusalListeners) listener(bound);
    return { bound, errorCode: ErrorCode.THROTTLING_QUOTA_EXCEEDED, errorMessage };
  }
}
