import type { Clock } from '../../liveness/clock.js';
import { groupById } from '../../metadata/group-records.js';
import type { GroupMembership } from '../../metadata/group-state.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { metadataRecord } from '../../metadata/records.js';
import { ClassicErrorCode, type ClassicOutcome } from './classic-errors.js';
import { ClassicGroup } from './classic-group.js';

/** How often deadlines (sessions, rebalance timeouts) are checked. */
const TICK_MS = 100;

/**
 * Every classic group of the coordinator. Membership lives in memory, as the classic protocol
 * lets it (after a coordinator restart members get UNKNOWN_MEMBER_ID and rejoin); the group
 * itself, with its protocol kind, and its committed offsets are in the metadata log, shared
 * with Fjord's own groups, so a classic and a Fjord-protocol group can never share an id.
 */
export class ClassicGroups {
  readonly #groups = new Map<string, ClassicGroup>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      for (const group of this.#groups.values()) group.tick();
    }, TICK_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /**
   * Forgets every classic group's membership (this coordinator stopped leading), answering
   * held joins and syncs; the groups themselves and their offsets are in the log.
   */
  dissolveAll(why: string): void {
    for (const group of this.#groups.values()) group.dissolve(why);
    this.#groups.clear();
  }

  /** The in-memory group, if a classic member ever joined it in this process. */
  get(groupId: string): ClassicGroup | undefined {
    return this.#groups.get(groupId);
  }

  /**
   * The group for a classic request: records it in the metadata log as a classic group on
   * first use; refuses (INCONSISTENT_GROUP_PROTOCOL) an id a Fjord-protocol group holds.
   */
  async open(groupId: string): Promise<{ group: ClassicGroup } | { refusal: ClassicOutcome }> {
    if (groupId.trim() === '') {
      return {
        refusal: {
          errorCode: ClassicErrorCode.INVALID_GROUP_ID,
          errorMessage: 'the group id must not be empty',
        },
      };
    }
    const conflict = await this.store.propose((proposal) => {
      const existing = groupById(proposal.state, groupId);
      if (existing && existing.protocol !== 'classic') return true;
      if (!existing)
        proposal.append(metadataRecord({ type: 'GroupUpdate', group: emptyClassicGroup(groupId) }));
      return false;
    });
    if (conflict) {
      return {
        refusal: {
          errorCode: ClassicErrorCode.INCONSISTENT_GROUP_PROTOCOL,
          errorMessage: `group "${groupId}" uses Fjord's consumer protocol; a classic (JoinGroup) member cannot join it`,
        },
      };
    }
    let group = this.#groups.get(groupId);
    if (!group) {
      group = new ClassicGroup(groupId, this.clock, (clientId) => `${clientId || 'member'}-${this.newId()}`);
      this.#groups.set(groupId, group);
    }
    return { group };
  }

  /** Forgets a deleted group's members. */
  forget(groupId: string): void {
    this.#groups.delete(groupId);
  }
}

/** A classic group as the metadata log holds it: its kind, no members (they are in memory). */
function emptyClassicGroup(groupId: string): GroupMembership {
  return {
    groupId,
    protocol: 'classic',
    groupEpoch: 0,
    assignmentEpoch: 0,
    assignor: 'uniform',
    members: {},
    target: {},
    subscribedTopicPartitions: {},
  };
}
