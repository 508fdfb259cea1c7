import { proposeFence } from '../election/broker-transitions.js';
import type { Logger } from '../logger.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { isBrokerAlive } from '../metadata/state.js';
import type { BrokerSessions } from './broker-sessions.js';

export interface LivenessMonitorOptions {
  store: MetadataStore;
  sessions: BrokerSessions;
  logger: Logger;
  /** How often sessions are checked; a quarter of the session timeout keeps fencing prompt. */
  checkIntervalMs: number;
}

/**
 * Fences brokers whose session expired: appends FenceBroker plus the leader elections it
 * causes, through the metadata log like every other change.
 */
export class LivenessMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number[]> | undefined;

  constructor(private readonly options: LivenessMonitorOptions) {}

  /** Starts checking periodically. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.checkNow().catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'liveness check failed'),
      );
    }, this.options.checkIntervalMs);
    // The gRPC server keeps the process alive; this timer alone must not.
    this.timer.unref();
  }

  /** Stops the periodic check and waits for a running one. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Checks sessions once; returns the ids of the brokers fenced now. Never runs twice at once. */
  checkNow(): Promise<number[]> {
    if (!this.running) {
      this.running = this.fenceExpired().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async fenceExpired(): Promise<number[]> {
    const { store, sessions, logger } = this.options;
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
}
