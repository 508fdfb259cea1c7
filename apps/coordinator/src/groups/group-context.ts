import type { Logger } from '@fjord/server-kit';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { RandomSource } from '../random-source.js';
import type { ClassicGroups } from './classic/classic-groups.js';
import type { GroupSessions } from './group-sessions.js';
import type { HeartbeatWaiters } from './heartbeat-waiters.js';

/** What the consumer-group logic works with; the GroupCoordinatorService handlers (server/groups/) are built over it. */
export interface GroupContext {
  store: MetadataStore;
  sessions: GroupSessions;
  /** Held (long-poll) heartbeats, woken when their group changes. */
  waiters: HeartbeatWaiters;
  random: RandomSource;
  /** Groups of the classic protocol (Kafka clients' JoinGroup/SyncGroup). */
  classic: ClassicGroups;
  logger: Logger;
  /** How often members are told to heartbeat. */
  heartbeatIntervalMs: number;
  /** Bounds on the session timeout a member may ask for. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}
