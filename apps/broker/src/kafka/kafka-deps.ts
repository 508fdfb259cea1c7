import type { Logger } from 'pino';
import type { BrokerServiceDeps } from '../server/service-deps.js';
import type { CoordinatorCalls } from './coordinator-calls.js';
import type { KafkaSecurityState } from './security/kafka-security-state.js';

/** What the Kafka API handlers need: the broker's own request core and the coordinator. */
export interface KafkaDeps {
  /** The same dependencies the gRPC handlers get: both paths share produce/fetch/list-offsets. */
  readonly broker: BrokerServiceDeps;
  readonly coordinator: CoordinatorCalls;
  readonly brokerId: number;
  /** The Kafka listener these handlers serve: Metadata answers with its addresses. */
  readonly listenerName: string;
  /** This broker's advertised address on that listener (FindCoordinator names it). */
  readonly advertisedHost: string;
  readonly advertisedPort: number;
  readonly logger: Logger;
  /**
   * The broker's copy of ACLs, SCRAM credentials and broker principals (the broker keeps it
   * from DescribeSecurityState); absent: no authorizer, no SCRAM user.
   */
  readonly security?: KafkaSecurityState | undefined;
}
