import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/schema.js';
import type { BrokerServiceDeps } from '../server/service-deps.js';
import { CoordinatorCalls } from './coordinator-calls.js';
import { createKafkaApis } from './kafka-apis.js';
import { startKafkaListener } from './kafka-server.js';

/** The broker's running Kafka listener. */
export interface BrokerKafka {
  /** The port Kafka clients are told (registered with the coordinator). */
  readonly advertisedPort: number;
  close(): Promise<void>;
}

/**
 * Starts the Kafka-protocol listener when `kafkaPort` is configured (logging
 * `kafka listening` with the bound port); undefined when it is not.
 */
export async function startBrokerKafka(
  config: BrokerConfig,
  broker: BrokerServiceDeps,
  logger: Logger,
): Promise<BrokerKafka | undefined> {
  if (config.kafkaPort === undefined) return undefined;
  const coordinator = new CoordinatorCalls(config.coordinator);
  let advertisedPort = config.kafkaAdvertisedPort ?? config.kafkaPort;
  const apis = createKafkaApis({
    broker,
    coordinator,
    brokerId: config.brokerId,
    advertisedHost: config.advertisedHost,
    get advertisedPort() {
      return advertisedPort;
    },
    logger,
  });
  let listener: Awaited<ReturnType<typeof startKafkaListener>>;
  try {
    listener = await startKafkaListener({
      host: config.host,
      port: config.kafkaPort,
      apis,
      logger,
      shutdownSignal: broker.shutdownSignal,
    });
  } catch (error) {
    coordinator.close();
    throw error;
  }
  advertisedPort = config.kafkaAdvertisedPort ?? listener.port;
  logger.info({ kafkaPort: listener.port, host: config.host, advertisedPort }, 'kafka listening');
  return {
    advertisedPort,
    async close() {
      await listener.close();
      coordinator.close();
    },
  };
}
