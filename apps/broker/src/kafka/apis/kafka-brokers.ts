import type { v1 } from '@fjord/protocol';

/** A broker as Kafka clients see it: its Kafka listener's advertised address. */
export interface KafkaBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: null;
}

/**
 * The live brokers that run a Kafka listener named `listenerName` (the one the client came in
 * on), with that listener's address, in id order: Metadata and DescribeCluster list only
 * these, since the client can reach no other (Kafka's rule). A broker registered before named
 * listeners has one Kafka address, which serves every listener name.
 */
export function kafkaBrokers(brokers: readonly v1.BrokerInfo__Output[], listenerName: string): KafkaBroker[] {
  const found: KafkaBroker[] = [];
  for (const b of [...brokers].sort((x, y) => x.id - y.id)) {
    if (!b.alive) continue;
    const address =
      b.kafkaListeners.length > 0
        ? b.kafkaListeners.find((l) => l.name === listenerName)
        : b.kafkaPort > 0
          ? { host: b.kafkaHost, port: b.kafkaPort }
          : undefined;
    if (address) found.push({ nodeId: b.id, host: address.host, port: address.port, rack: null });
  }
  return found;
}

/**
 * Kafka clients expect a controller id among the brokers; Fjord's controller is the
 * coordinator, which clients never talk to (as in Kafka 4), so the lowest live broker id stands in.
 */
export function controllerId(brokers: readonly KafkaBroker[]): number {
  return brokers[0]?.nodeId ?? -1;
}
