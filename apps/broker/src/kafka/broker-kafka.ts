import {
  type AdvertisedEndpoint,
  advertisedEndpoints,
  type GrpcServerSecurity,
  type Listener,
  type SecurityConfig,
  type SecurityStateSource,
  serverSecurity,
} from '@fjord/server-kit';
import type { Logger } from 'pino';
import type { CoordinatorLink } from '../cluster/coordinator-link.js';
import type { BrokerConfig } from '../config/schema.js';
import type { BrokerServiceDeps } from '../server/service-deps.js';
import { CoordinatorCalls } from './coordinator-calls.js';
import { createKafkaApis } from './kafka-apis.js';
import { type KafkaListener, startKafkaListener } from './kafka-server.js';
import { kafkaListenerSecurity, OPEN_SECURITY_STATE } from './security/kafka-security-settings.js';

/** The broker's running Kafka listeners. */
export interface BrokerKafka {
  /** What Kafka clients are told, per listener (registered with the coordinator). */
  readonly endpoints: readonly AdvertisedEndpoint[];
  close(): Promise<void>;
}

/**
 * Starts one Kafka-protocol server per configured Kafka listener (logging `kafka listening`
 * with each bound port); each answers Metadata and FindCoordinator with the addresses of its
 * own listener, and protects it as its security protocol says with the node's server
 * security, the one its gRPC listeners use (TLS from the watched certificate files, SASL
 * against the broker's copy of the SCRAM credentials, ACLs from its copy of the ACLs).
 * `security` defaults to what the broker's settings and its copy of the security state give
 * (`serverSecurity`). Undefined when the broker has no Kafka listener.
 */
export async function startBrokerKafka(
  config: BrokerConfig,
  broker: BrokerServiceDeps,
  link: CoordinatorLink,
  logger: Logger,
  security?: GrpcServerSecurity,
): Promise<BrokerKafka | undefined> {
  if (config.kafkaListeners.length === 0) return undefined;
  const listenerSecurity = security ?? nodeSecurity(config, broker);
  // The broker's link, shared with its membership; the broker closes it.
  const coordinator = new CoordinatorCalls(link);
  const started: KafkaListener[] = [];
  const close = async () => {
    await Promise.all(started.map((listener) => listener.close()));
  };
  const boundPorts = new Map<string, number>();
  try {
    for (const listener of config.kafkaListeners) {
      const running = await startOne(listener, config, broker, coordinator, logger, listenerSecurity);
      started.push(running);
      boundPorts.set(listener.name, running.port);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoints: advertisedEndpoints(config.kafkaListeners, boundPorts), close };
}

/**
 * The node's server security from the broker's settings (the server kit's security fragment)
 * and its copy of the security state; undefined while the configuration has no security
 * settings (then only PLAINTEXT listeners can start).
 */
function nodeSecurity(config: BrokerConfig, broker: BrokerServiceDeps): GrpcServerSecurity | undefined {
  const settings = config as BrokerConfig & Partial<SecurityConfig>;
  if (settings.sslClientAuth === undefined) return undefined;
  const state = (broker as BrokerServiceDeps & { security?: SecurityStateSource }).security;
  return serverSecurity(settings as BrokerConfig & SecurityConfig, state ?? OPEN_SECURITY_STATE);
}

async function startOne(
  listener: Listener,
  config: BrokerConfig,
  broker: BrokerServiceDeps,
  coordinator: CoordinatorCalls,
  logger: Logger,
  security: GrpcServerSecurity | undefined,
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
  });
  const running = await startKafkaListener({
    name: listener.name,
    security: kafkaListenerSecurity(listener.name, listener.securityProtocol, security),
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
