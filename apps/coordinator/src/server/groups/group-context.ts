import type { GroupSessions } from '../../groups/group-sessions.js';
import type { Logger } from '../../logger.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { RandomSource } from '../../random-source.js';

/** What the GroupCoordinatorService handlers work with. */
export interface GroupContext {
  store: MetadataStore;
  sessions: GroupSessions;
  random: RandomSource;
  logger: Logger;
  /** How often members are told to heartbeat. */
  heartbeatIntervalMs: number;
  /** Bounds on the session timeout a member may ask for. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}
