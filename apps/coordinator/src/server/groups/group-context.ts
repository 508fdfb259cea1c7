import type { GroupSessions } from '../../groups/group-sessions.js';
import type { HeartbeatWaiters } from '../../groups/heartbeat-waiters.js';
import type { Logger } from '../../logger.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { RandomSource } from '../../random-source.js';

/** What the GroupCoordinatorService handlers work with. */
export interface GroupContext {
  store: MetadataStore;
  sessions: GroupSessions;
  /** Held (long-poll) heartbeats, woken when their group changes. */
  waiters: HeartbeatWaiters;
  random: RandomSource;
  logger: Logger;
  /** How often members are told to heartbeat. */
  heartbeatIntervalMs: number;
  /** Bounds on the session timeout a member may ask for. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}
