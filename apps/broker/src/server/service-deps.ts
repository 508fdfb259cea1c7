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
   * Counts the bytes of one answered round of a streaming RPC (FetchStream) as the request
   * instrumentation counts a unary call's (`api` as the unary RPC it stands for); the server
   * kit instruments unary calls only.
   */
  countStreamTraffic?: (api: string, request: unknown, response: unknown) => void;
  /**
   * The request metrics the gRPC server counts unary calls in; stream handlers count each
   * request of a stream there under its unary RPC's name. Absent: not counted.
   */
  instrument?: InstrumentOptions;
}
