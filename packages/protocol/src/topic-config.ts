import { z } from 'zod';
import { ErrorCode, ProtocolError } from './errors.js';
import { reservedNameProblem } from './reserved-names.js';

/**
 * Kafka's topic-name rules: 1-249 characters of [a-zA-Z0-9._-], and not "." or "..". Fjord
 * also refuses the names of Object.prototype's members (RESERVED_NAMES).
 */
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

/** Returns why `name` is not a valid topic name, or undefined when it is valid. */
export function topicNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'topic name must be a non-empty string';
  if (name === '.' || name === '..') return `topic name "${name}" is not allowed`;
  if (name.length > 249) return `topic name is ${name.length} characters long; at most 249 are allowed`;
  if (!TOPIC_NAME_PATTERN.test(name)) {
    return `topic name "${name}" may contain only ASCII letters, digits, ".", "_" and "-"`;
  }
  return reservedNameProblem('topic name', name);
}

/** Throws INVALID_TOPIC_EXCEPTION when `name` is not a valid topic name. */
export function assertValidTopicName(name: unknown): asserts name is string {
  const problem = topicNameProblem(name);
  if (problem) throw new ProtocolError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
}

const intString = (min: number) =>
  z
    .string()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n), 'is too large (must fit in 53 bits)')
    .refine((n) => n >= min, `must be an integer >= ${min}`);

/**
 * A non-negative duration in ms. Kafka writes "no limit" as Long.MAX_VALUE, beyond a safe
 * integer: every value past 2^53 - 1 means the same (no limit) and is kept as 2^53 - 1.
 */
const unboundedMsString = z
  .string()
  .regex(/^\d+$/, 'must be an integer >= 0')
  .transform((v) => Math.min(Number(v), Number.MAX_SAFE_INTEGER));

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');

/**
 * Topic configuration, with Kafka's config names and (mostly) Kafka's defaults.
 * Values arrive as strings (as in Kafka's AlterConfigs) and are parsed here.
 */
export const TOPIC_CONFIG_SCHEMA = z
  .object({
    /** How long batches are kept, by their max timestamp; -1 keeps them forever (7 days by default). */
    'retention.ms': intString(-1).default(604_800_000),
    /** Size cap of a partition's log in bytes; -1 for no cap. */
    'retention.bytes': intString(-1).default(-1),
    /** Largest record batch the broker accepts, in bytes (1 MiB by default). */
    'max.message.bytes': intString(0).default(1_048_576),
    /** Smallest ISR with which acks=all writes are accepted. */
    'min.insync.replicas': intString(1).default(1),
    /** Only "delete" is supported so far; "compact" is refused. */
    'cleanup.policy': z.enum(['delete']).default('delete'),
    /** Whose clock stamps records: the producer's (CreateTime) or the broker's (LogAppendTime). */
    'message.timestamp.type': z.enum(['CreateTime', 'LogAppendTime']).default('CreateTime'),
    /**
     * KIP-937: how far before the broker's clock a CreateTime timestamp may be (no limit by
     * default, as in Kafka).
     */
    'message.timestamp.before.max.ms': unboundedMsString.default(Number.MAX_SAFE_INTEGER),
    /**
     * KIP-937: how far after the broker's clock a CreateTime timestamp may be (1 hour, Kafka
     * 4.0's default): one far-future record would otherwise hold back retention.ms for its
     * whole partition.
     */
    'message.timestamp.after.max.ms': unboundedMsString.default(3_600_000),
    /**
     * How long the broker keeps an idempotent producer's state after its last append to a
     * partition (1 day by default, as Kafka's broker config of that name); a producer
     * silent for longer starts again at sequence 0.
     */
    'producer.id.expiration.ms': intString(1).default(86_400_000),
    /** Allow electing a leader from outside the ISR (may lose acknowledged data). */
    'unclean.leader.election.enable': boolString.default(false),
  })
  .strict();

export type TopicConfig = z.output<typeof TOPIC_CONFIG_SCHEMA>;

/** Names of every supported topic config. */
export const TOPIC_CONFIG_NAMES = Object.keys(TOPIC_CONFIG_SCHEMA.shape) as Array<keyof TopicConfig>;

/**
 * Validates string overrides (as stored by the coordinator) and returns the effective
 * config with defaults filled in. Throws INVALID_CONFIG naming every bad key at once.
 */
export function parseTopicConfig(overrides: Readonly<Record<string, string>>): TopicConfig {
  if (typeof overrides !== 'object' || overrides === null) {
    throw new ProtocolError(
      ErrorCode.INVALID_CONFIG,
      'invalid topic config: expected a map of names to values',
    );
  }
  const result = TOPIC_CONFIG_SCHEMA.safeParse(overrides);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown config ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    const key = String(issue.path[0] ?? '');
    return `${key}=${JSON.stringify(overrides[key])}: ${issue.message}`;
  });
  throw new ProtocolError(ErrorCode.INVALID_CONFIG, `invalid topic config: ${problems.join('; ')}`);
}

/** The effective config rendered back to Kafka-style strings (for DescribeTopics). */
export function renderTopicConfig(config: TopicConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
}
