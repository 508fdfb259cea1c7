import { type AdvertisedEndpoint, advertisedEndpoints, type Listener } from '@fjord/server-kit';
import type { Logger } from 'pino';
import type { CoordinatorLink } from '../cluster/coordinator-link.js';
import type { BrokerConfig } from '../config/schema.js';
import type { BrokerServiceDeps } from '../server/service-deps.js';
import { CoordinatorCalls } from './coordinator-calls.js';
import { createKafkaApis } from './kafka-apis.js';
import { type KafkaListener, startKafkaListener } from './kafka-server.js';
import { KafkaSecurityFactory, type KafkaSecuritySettings } from './security/kafka-security-settings.js';
import { type KafkaSecurityState, OPEN_SECURITY_STATE } from './security/kafka-security-state.js';

/** The broker's running Kafka listeners. */
export interface BrokerKafka {
  /** What Kafka clients are told, per listener (registered with the coordinator). */
  readonly endpoints: readonly AdvertisedEndpoint[];
  close(): Promise<void>;
}

/**
 * Starts one Kafka-protocol server per configured Kafka listener (logging `kafka listening`
 * with each bound port); each answers Metadata and FindCoordinator with the addresses of its
 * own listener, and protects it as its security protocol says (TLS from the node's watched
 * certificate files, SASL against the broker's copy of the SCRAM credentials, ACLs from its
 * copy of the ACLs). Undefined when the broker has no Kafka listener.
 */
export async function startBrokerKafka(
  config: BrokerConfig,
  broker: BrokerServiceDeps,
  link: CoordinatorLink,
  logger: Logger,
  security?: KafkaSecurityState,
): Promise<BrokerKafka | undefined> {
  if (config.kafkaListeners.length === 0) return undefined;
  // The node's security settings, once the configuration has them (server kit fragment).
  const securityFactory = new KafkaSecurityFactory(
    config as BrokerConfig & KafkaSecuritySettings,
    security ?? OPEN_SECURITY_STATE,
  );
  // The broker's link, shared with its membership; the broker closes it.
  const coordinator = new CoordinatorCalls(link);
  const started: KafkaListener[] = [];
  const close = async () => {
    await Promise.all(started.map((listener) => listener.close()));
  };
  const boundPorts = new Map<string, number>();
  try {
    for (const listener of config.kafkaListeners) {
      const running = await startOne(
        listener,
        config,
        broker,
        coordinator,
        logger,
        securityFactory,
        security,
      );
      started.push(running);
      boundPorts.set(listener.name, running.port);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoints: advertisedEndpoints(config.kafkaListeners, boundPorts), close };
}

async function startOne(
  listener: Listener,
  config: BrokerConfig,
  broker: BrokerServiceDeps,
  coordinator: CoordinatorCalls,
  logger: Logger,
  securityFactory: KafkaSecurityFactory,
  security: KafkaSecurityState | undefined,
): Promise<KafkaListener> {
  // The advertised port is the bound one unless configured; known only once bound with port 0.
  let advertisedPort = listener.advertisedPort ?? listener.port;
  const apis = createKafkaApis({
    broker,
    coordinator,
    brokerId: config.brokerId,
    listenerName: listener.name,
    advertisedHost: listener.advertisedHost,
    get advertisedPort() {
      return advertisedPort;
    },
    logger,
    security,
  });
  const running = await startKafkaListener({
    name: listener.name,
    security: securityFactory.forProtocol(listener.securityProtocol),
    host: listener.host,
    port: listener.port,
    apis,
    logger,
    shutdownSignal: broker.shutdownSignal,
  });
  advertisedPort = listener.advertisedPort ?? running.port;
  logger.info(
    {
      listener: listener.name,
      kafkaPort: running.port,
      host: listener.host,
      advertisedHost: listener.advertisedHost,
      advertisedPort,
      securityProtocol: listener.securityProtocol,
    },
    'kafka listening',
  );
  return running;
}
