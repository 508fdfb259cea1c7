import type { Logger } from 'pino';
import type { BrokerServiceDeps } from '../server/service-deps.js';
import type { CoordinatorCalls } from './coordinator-calls.js';

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
}
