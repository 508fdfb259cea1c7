import { ErrorCode } from '@fjord/protocol';
import type { CoordinatorApi } from '../cluster/coordinator-client.js';
import type { HostedReplicas } from '../cluster/hosted-replicas.js';
import type { BrokerMetrics } from './broker-metrics.js';

/**
 * The coordinator client as the replication manager sees it, counting the ISR changes the
 * coordinator accepts (`fjord_broker_isr_changes_total`). Counted here, where every
 * AlterPartition of this broker passes, rather than inside the replication logic: a shrink
 * or expand counts only once accepted, as in Kafka. The kind of change is told by comparing
 * the requested ISR with the one the broker hosts when it asks.
 */
export function countingIsrChanges(
  coordinator: CoordinatorApi,
  replicas: HostedReplicas,
  metrics: BrokerMetrics,
): CoordinatorApi {
  return {
    registerBroker: (request) => coordinator.registerBroker(request),
    brokerHeartbeat: (request) => coordinator.brokerHeartbeat(request),
    controlledShutdown: (request) => coordinator.controlledShutdown(request),
    close: () => coordinator.close(),
    async alterPartition(request) {
      const changes = new Map<string, 'shrink' | 'expand'>();
      for (const item of request.partitions ?? []) {
        const hosted = replicas
          .all()
          .find((p) => p.topicId === item.topicId && p.partition === item.partition);
        if (!hosted || !item.newIsr) continue;
        // A leader only ever removes or adds members; equal sizes would be a stale view.
        if (item.newIsr.length === hosted.isr.length) continue;
        const key = `${item.topicId}/${item.partition}`;
        changes.set(key, item.newIsr.length < hosted.isr.length ? 'shrink' : 'expand');
      }
      const response = await coordinator.alterPartition(request);
      if (response.errorCode === ErrorCode.NONE) {
        for (const result of response.partitions) {
          const change = changes.get(`${result.topicId}/${result.partition}`);
          if (change && result.errorCode === ErrorCode.NONE) metrics.isrChanges.inc({ change });
        }
      }
      return response;
    },
  };
}
