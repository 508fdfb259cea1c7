import { type Logger, ScheduledJob } from '@fjord/server-kit';
import { StallWatch } from '../liveness/stall-watch.js';
import { groupById } from '../metadata/group-records.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { metadataRecord } from '../metadata/records.js';
import type { GroupSessions } from './group-sessions.js';
import type { HeartbeatWaiters } from './heartbeat-waiters.js';
import { cloneGroup, removeMember } from './membership.js';

export interface GroupMonitorOptions {
  store: MetadataStore;
  sessions: GroupSessions;
  /** Held heartbeats of the survivors: woken so they learn of the removal at once. */
  waiters: HeartbeatWaiters;
  logger: Logger;
  checkIntervalMs: number;
  /**
   * A pass starting this much later than the previous one ended (or than {@link
   * GroupMonitor.start}) means this process stalled.
   */
  stalledAfterMs: number;
}

/**
 * Removes group members whose session expired (crashed, partitioned) or who did not revoke
 * partitions within their rebalance timeout; their partitions go to the others. Each
 * removal is a GroupUpdate record like every other membership change.
 *
 * As the broker liveness check does, a pass that finds this process itself stalled (SIGSTOP,
 * starvation: no heartbeat could be read meanwhile) removes nobody: every member gets its
 * session timeout of grace, every pending revocation its rebalance timeout.
 */
export class GroupMonitor extends ScheduledJob {
  readonly #stallWatch: StallWatch;

  constructor(options: GroupMonitorOptions) {
    const { sessions, logger } = options;
    const stallWatch = new StallWatch(sessions.clock, options.stalledAfterMs);
    const graceAfterStall = (stalledMs: number): void => {
      sessions.extendAll();
      logger.warn(
        { stalledMs: Math.round(stalledMs) },
        'group check ran late: this process stalled and heard no heartbeats meanwhile; ' +
          'every member session gets its session timeout of grace instead of being removed',
      );
    };
    super({
      name: 'group check',
      intervalMs: options.checkIntervalMs,
      logger,
      run: async () => {
        try {
          const stalledMs = stallWatch.passStarted();
          if (stalledMs !== undefined) graceAfterStall(stalledMs);
          else await removeExpired(options);
        } finally {
          stallWatch.passEnded();
        }
      },
    });
    this.#stallWatch = stallWatch;
  }

  /** Starts the periodic checks; the first one judges its lateness from now. */
  override start(): void {
    this.#stallWatch.arm();
    super.start();
  }
}

async function removeExpired({ store, sessions, waiters, logger }: GroupMonitorOptions): Promise<void> {
  if (sessions.expired().length === 0) return;
  const removed = await store.propose((proposal) => {
    // Re-read inside the proposal: a heartbeat may have arrived meanwhile.
    const done: Array<{ groupId: string; memberId: string; reason: string }> = [];
    const expired = sessions.expired();
    for (const groupId of new Set(expired.map((e) => e.groupId))) {
      const current = groupById(proposal.state, groupId);
      const group = current ? cloneGroup(current) : undefined;
      for (const e of expired.filter((x) => x.groupId === groupId)) {
        if (group?.members[e.memberId]) {
          removeMember(proposal.state, group, e.memberId);
          done.push(e);
        } else sessions.remove(groupId, e.memberId);
      }
      if (group && current && group.groupEpoch !== current.groupEpoch) {
        proposal.append(metadataRecord({ type: 'GroupUpdate', group }));
      }
    }
    proposal.afterCommit(() => {
      for (const e of done) sessions.remove(e.groupId, e.memberId);
      for (const groupId of new Set(done.map((e) => e.groupId))) waiters.wake(groupId);
    });
    return done;
  });
  for (const e of removed) logger.info(e, 'group member removed');
}
