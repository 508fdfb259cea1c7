import type { Logger } from '../logger.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { appendPartitionChanges } from './partition-changes.js';
import { preferredLeaderChanges } from './preferred-election.js';

/**
 * Automatic preferred leader election (Kafka's auto.leader.rebalance): every
 * `intervalMs`, partitions whose preferred replica is back in the ISR get it as leader
 * again. The interval is the delay: a broker that just rejoined is not handed leadership
 * in the same instant, when it may still be busy catching up other partitions.
 */
export class LeaderRebalancer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Starts the periodic check (no-op with an interval of 0). */
  start(): void {
    if (this.timer || this.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.runOnce().catch((error: unknown) =>
        this.logger.error({ err: error }, 'preferred leader election failed'),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the check and waits for a running one. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass; resolves with the number of partitions whose leader moved. */
  runOnce(): Promise<number> {
    this.running ??= this.store
      .propose((proposal) => {
        const { changes } = preferredLeaderChanges(proposal.state, 'all');
        appendPartitionChanges(proposal, changes);
        return changes.length;
      })
      .then((moved) => {
        if (moved > 0) this.logger.info({ partitions: moved }, 'leadership returned to preferred replicas');
        return moved;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
