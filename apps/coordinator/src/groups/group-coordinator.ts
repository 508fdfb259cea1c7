import type { Logger } from '@fjord/server-kit';
import type { Clock } from '../liveness/clock.js';
import { groupsOf } from '../metadata/group-records.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { MetadataState } from '../metadata/state.js';
import type { RandomSource } from '../random-source.js';
import { ClassicGroups } from './classic/classic-groups.js';
import type { GroupContext } from './group-context.js';
import { GroupMonitor } from './group-monitor.js';
import { GroupSessions } from './group-sessions.js';
import { HeartbeatWaiters } from './heartbeat-waiters.js';

/** Bounds on the session timeout a consumer may ask for. */
export const MIN_MEMBER_SESSION_TIMEOUT_MS = 500;
export const MAX_MEMBER_SESSION_TIMEOUT_MS = 1_800_000;

export interface GroupCoordinatorOptions {
  store: MetadataStore;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  heartbeatIntervalMs: number;
}

/**
 * The consumer-group part of the coordinator: sessions, the expiry monitor, and the context the
 * GroupCoordinatorService handlers (server/groups/group-service.ts) are built over.
 */
export interface GroupCoordinator {
  sessions: GroupSessions;
  /** Held (long-poll) heartbeats; `close()` answers them all at once (shutdown). */
  waiters: HeartbeatWaiters;
  monitor: GroupMonitor;
  context: GroupContext;
  /** Classic-protocol groups; `stop()` ends their deadline checks. */
  classic: ClassicGroups;
}

/**
 * Sets up consumer groups over the metadata store. Nothing runs yet: the monitor starts, and
 * sessions are restored ({@link restoreGroupSessions}), when this coordinator leads.
 */
export function startGroupCoordinator(options: GroupCoordinatorOptions): GroupCoordinator {
  const { store, clock, random, logger, heartbeatIntervalMs } = options;
  const sessions = new GroupSessions(clock);
  const waiters = new HeartbeatWaiters();
  const checkIntervalMs = Math.max(10, Math.min(250, Math.floor(heartbeatIntervalMs / 2)));
  const monitor = new GroupMonitor({
    store,
    sessions,
    waiters,
    logger,
    checkIntervalMs,
    // A stall as long as the shortest session a member may have could expire it by itself.
    stalledAfterMs: checkIntervalMs + MIN_MEMBER_SESSION_TIMEOUT_MS,
  });
  const classic = new ClassicGroups(store, clock, () => random.uuid());
  classic.start();
  const context: GroupContext = {
    classic,
    store,
    sessions,
    waiters,
    random,
    logger,
    heartbeatIntervalMs,
    minSessionTimeoutMs: MIN_MEMBER_SESSION_TIMEOUT_MS,
    maxSessionTimeoutMs: MAX_MEMBER_SESSION_TIMEOUT_MS,
  };
  return { sessions, waiters, monitor, classic, context };
}

/**
 * Gives every member of every group in `state` a fresh session of its own timeout: sessions
 * are not in the log, so a coordinator that starts leading (after a restart or a failover)
 * grants each member one session timeout of grace to heartbeat to it.
 */
export function restoreGroupSessions(sessions: GroupSessions, state: MetadataState): void {
  sessions.clear();
  for (const group of Object.values(groupsOf(state))) {
    for (const member of Object.values(group.members)) {
      sessions.touch(group.groupId, member.memberId, member.sessionTimeoutMs);
    }
  }
}
