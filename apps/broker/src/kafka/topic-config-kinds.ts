import type { TopicConfig } from '@fjord/protocol';

/** Kafka's ConfigType values (DescribeConfigs v3+), for the types Fjord's topic configs have. */
export const KafkaConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, LIST: 7 } as const;

/** How a topic config is shown to Kafka clients: its type as Kafka declares it, and its documentation. */
export interface KafkaTopicConfigKind {
  readonly type: (typeof KafkaConfigType)[keyof typeof KafkaConfigType];
  readonly documentation: string;
}

/**
 * Every Fjord topic config with Kafka's type for it (from Kafka's LogConfig) and what it does
 * in Fjord. Keyed by TopicConfig, so a config added to @fjord/protocol cannot be left out.
 */
export const TOPIC_CONFIG_KINDS: Readonly<Record<keyof TopicConfig, KafkaTopicConfigKind>> = {
  'retention.ms': {
    type: KafkaConfigType.LONG,
    documentation:
      'How long a batch is kept, counted from its largest timestamp, before it is deleted; -1 keeps batches forever.',
  },
  'retention.bytes': {
    type: KafkaConfigType.LONG,
    documentation:
      'Largest size of a partition’s log in bytes before its oldest batches are deleted; -1 for no limit.',
  },
  'max.message.bytes': {
    type: KafkaConfigType.INT,
    documentation: 'Largest record batch the broker accepts, in bytes.',
  },
  'min.insync.replicas': {
    type: KafkaConfigType.INT,
    documentation: 'Fewest in-sync replicas with which an acks=all write is accepted.',
  },
  'cleanup.policy': {
    type: KafkaConfigType.LIST,
    documentation:
      'What happens to old batches: only "delete" (by retention.ms and retention.bytes) is supported.',
  },
  'message.timestamp.type': {
    type: KafkaConfigType.STRING,
    documentation:
      'Whose clock stamps records: the producer’s (CreateTime) or the broker’s on append (LogAppendTime).',
  },
  'message.timestamp.before.max.ms': {
    type: KafkaConfigType.LONG,
    documentation: 'How far before the broker’s clock a CreateTime timestamp may be (KIP-937).',
  },
  'message.timestamp.after.max.ms': {
    type: KafkaConfigType.LONG,
    documentation: 'How far after the broker’s clock a CreateTime timestamp may be (KIP-937).',
  },
  'producer.id.expiration.ms': {
    type: KafkaConfigType.LONG,
    documentation:
      'How long a partition keeps an idempotent producer’s state after its last write; a producer silent for longer starts again at sequence 0.',
  },
  'unclean.leader.election.enable': {
    type: KafkaConfigType.BOOLEAN,
    documentation:
      'Whether a replica outside the ISR may become leader (which may lose acknowledged writes).',
  },
};
