import { type Logger, ScheduledJob } from '@fjord/server-kit';
import { proposeFence } from '../election/broker-transitions.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { isBrokerAlive } from '../metadata/state.js';
import type { BrokerSessions } from './broker-sessions.js';
import { StallWatch } from './stall-watch.js';

export interface LivenessMonitorOptions {
  store: MetadataStore;
  sessions: BrokerSessions;
  logger: Logger;
  /** How often sessions are checked; a quarter of the session timeout keeps fencing prompt. */
  checkIntervalMs: number;
}

/**
 * Fences brokers whose session expired: appends FenceBroker plus the leader elections it
 * causes, through the metadata log like every other change. {@link ScheduledJob.runNow}
 * checks at once and resolves with the ids of the brokers fenced now.
 *
 * A pass that starts much later than its interval (more than half a session timeout late,
 * counted from the previous pass or from {@link start}) means this process stood still
 * (SIGSTOP, starvation) and read no heartbeat meanwhile: instead of fencing every broker at
 * once, it gives every session one timeout of grace, as a restarted coordinator does, and
 * fences only those still silent after it.
 */
export class LivenessMonitor extends ScheduledJob<number[]> {
  readonly #stallWatch: StallWatch;

  constructor(options: LivenessMonitorOptions) {
    const { sessions, logger, checkIntervalMs } = options;
    const stallWatch = new StallWatch(sessions.clock, checkIntervalMs + sessions.sessionTimeoutMs / 2);
    const graceAfterStall = (stalledMs: number): number[] => {
      sessions.extendAll();
      logger.warn(
        { stalledMs: Math.round(stalledMs), graceMs: sessions.sessionTimeoutMs },
        'liveness check ran late: this process stalled and heard no heartbeats meanwhile; ' +
          'every broker session gets one session timeout of grace instead of being fenced',
      );
      return [];
    };
    super({
      name: 'liveness check',
      intervalMs: checkIntervalMs,
      logger,
      run: async () => {
        try {
          const stalledMs = stallWatch.passStarted();
          if (stalledMs !== undefined) return graceAfterStall(stalledMs);
          return await fenceExpired(options);
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

async function fenceExpired({ store, sessions, logger }: LivenessMonitorOptions): Promise<number[]> {
  if (sessions.expiredBrokerIds().length === 0) return [];
  const fenced = await store.propose((proposal) => {
    // Re-read inside the proposal: a heartbeat may have refreshed a session meanwhile.
    const ids: number[] = [];
    for (const brokerId of sessions.expiredBrokerIds()) {
      if (isBrokerAlive(proposal.state, brokerId)) {
        proposeFence(proposal, brokerId);
        ids.push(brokerId);
      } else {
        sessions.remove(brokerId);
      }
    }
    // Drop the sessions only once the fence is stored, so a failed write is retried next time.
    proposal.afterCommit(() => {
      for (const brokerId of ids) sessions.remove(brokerId);
    });
    return ids;
  });
  for (const brokerId of fenced) {
    logger.warn({ brokerId, metadataVersion: store.metadataVersion }, 'broker fenced: session expired');
  }
  return fenced;
}
