import type { InstrumentOptions } from '@fjord/observability';
import type { Logger } from 'pino';
import type { HostedReplicas } from '../cluster/hosted-replicas.js';
import type { LogStore } from '../log/store.js';
import type { ClientByteRateQuota } from '../quotas/client-quotas.js';
import type { ReplicationManager } from '../replication/replication-manager.js';
import type { BrokerSecurityState } from '../security/broker-security-state.js';
import type { PartitionResolver } from './partition-resolver.js';

/** What the BrokerService handlers need from the rest of the broker. */
export interface BrokerServiceDeps {
  brokerId: number;
  store: LogStore;
  replicas: HostedReplicas;
  resolver: PartitionResolver;
  logger: Logger;
  /** Wall clock in ms (LogAppendTime); replaceable in tests. */
  nowMs: () => number;
  /** Longest an acks=all produce waits for its in-sync replicas, whatever timeout it asks. */
  maxAckWaitMs: number;
  /** Aborted when the broker shuts down: long-polling fetches answer at once. */
  shutdownSignal: AbortSignal;
  /** Follower bookkeeping of replicated partitions; absent in single-broker test harnesses. */
  replication?: ReplicationManager;
  /**
   * The broker's copy of the ACLs, SCRAM credentials and broker-id bindings (the Kafka
   * listener's `deps.security`); absent in single-broker test harnesses.
   */
  security?: BrokerSecurityState;
  /** Produce and fetch byte-rate quotas per (principal, client id); absent: none. */
  quotas?: { produce: ClientByteRateQuota; fetch: ClientByteRateQuota };
  /**
   * The request metrics the gRPC server counts unary calls in; stream handlers count each
   * request of a stream there under its unary RPC's name (`countStreamTraffic`). Absent: not
   * counted.
   */
  instrument?: InstrumentOptions;
}

/**
 * Counts the bytes of one answered request of a stream (ProduceStream, FetchStream) as the
 * server kit counts a unary call's, through the same success hook, under the unary RPC it
 * stands for (`api`). The server kit instruments unary calls only. Never throws: counting
 * must not fail a request, as the unary instrumentation ignores its failures too.
 */
export function countStreamTraffic(
  deps: Pick<BrokerServiceDeps, 'instrument'>,
  api: string,
  request: unknown,
  response: unknown,
): void {
  try {
    deps.instrument?.onSuccess?.(api, request, response);
  } catch {
    /* see above */
  }
}
