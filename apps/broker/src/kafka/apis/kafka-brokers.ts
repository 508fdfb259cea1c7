import type { v1 } from '@fjord/protocol';

/** A broker as Kafka clients see it: its Kafka listener's advertised address. */
export interface KafkaBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: null;
}

/**
 * The live brokers that run a Kafka listener, in id order: Metadata and DescribeCluster list
 * only these, since a client can reach no other.
 */
export function kafkaBrokers(brokers: readonly v1.BrokerInfo__Output[]): KafkaBroker[] {
  return brokers
    .filter((b) => b.alive && b.kafkaPort > 0)
    .sort((a, b) => a.id - b.id)
    .map((b) => ({ nodeId: b.id, host: b.kafkaHost, port: b.kafkaPort, rack: null }));
}

/**
 * Kafka clients expect a controller id among the brokers; Fjord's controller is the
 * coordinator, which clients never talk to (as in Kafka 4), so the lowest live broker id stands in.
 */
export function controllerId(brokers: readonly KafkaBroker[]): number {
  return brokers[0]?.nodeId ?? -1;
}
