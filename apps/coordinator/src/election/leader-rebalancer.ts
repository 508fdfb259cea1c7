import { type Logger, ScheduledJob } from '@fjord/server-kit';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { appendPartitionChanges } from './partition-changes.js';
import { preferredLeaderChanges } from './preferred-election.js';

/**
 * Automatic preferred leader election (Kafka's auto.leader.rebalance): every
 * `intervalMs` (0: never), partitions whose preferred replica is back in the ISR get it as
 * leader again. The interval is the delay: a broker that just rejoined is not handed
 * leadership in the same instant, when it may still be busy catching up other partitions.
 * {@link ScheduledJob.runNow} resolves with the number of partitions whose leader moved.
 */
export class LeaderRebalancer extends ScheduledJob<number> {
  constructor(store: MetadataStore, logger: Logger, intervalMs: number) {
    super({
      name: 'preferred leader election',
      intervalMs,
      logger,
      run: () => returnLeadership(store, logger),
    });
  }
}

async function returnLeadership(store: MetadataStore, logger: Logger): Promise<number> {
  const moved = await store.propose((proposal) => {
    const { changes } = preferredLeaderChanges(proposal.state, 'all');
    appendPartitionChanges(proposal, changes);
    return changes.length;
  });
  if (moved > 0) logger.info({ partitions: moved }, 'leadership returned to preferred replicas');
  return moved;
}
