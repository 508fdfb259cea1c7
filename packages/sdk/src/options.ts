import {
  COMPRESSION_NAMES,
  type CompressionName,
  SASL_CLIENT_MECHANISMS,
  type SaslOptions,
  type SslOptions,
} from '@fjord/protocol';
import { z } from 'zod';
import { InvalidArgumentError } from './errors.js';
import type { FjordLogger } from './logger.js';
import type { RetryPolicy } from './retry.js';
import type { Deserializer, Serializer } from './serde.js';

/** What a partitioner sees of a message: bytes after serialization. */
export interface PartitionerArgs {
  topic: string;
  /** The serialized key, null when the message has none. */
  key: Buffer | null;
  /** The serialized value, null when the message has none. */
  value: Buffer | null;
  numPartitions: number;
}

/** The `ssl` and `sasl` option shapes (KafkaJS's), shared with every Fjord client channel. */
export type { SaslOptions, SslOptions };

/** Chooses a partition in `[0, numPartitions)` for a message without an explicit partition. */
export type Partitioner = (args: PartitionerArgs) => number;

// Defaults live in the schemas; every duration carries its unit in the name.

const positiveInt = z.number().int().positive();
const fn = <T>(what: string) =>
  z.custom<T>((v) => typeof v === 'function', { message: `${what} must be a function` });

const ADDRESS = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/;

/** Schema of {@link RetryPolicy}, with defaults. */
export const RETRY_SCHEMA = z
  .object({
    initialRetryMs: positiveInt.default(100),
    maxRetryMs: positiveInt.default(1000),
    multiplier: z.number().min(1).default(2),
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .strict();

const loggerSchema = z.custom<FjordLogger>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    ['debug', 'info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  { message: 'logger must have debug, info, warn and error methods' },
);

const pem = z.union([z.string(), z.instanceof(Buffer)], { error: 'must be PEM text (a string or a Buffer)' });

/** Schema of the `ssl` option (KafkaJS's shape); PEM contents are checked when channels are built. */
export const SSL_SCHEMA = z.union(
  [
    z.boolean(),
    z
      .object({
        ca: z.union([pem, z.array(pem)]).optional(),
        cert: pem.optional(),
        key: pem.optional(),
        rejectUnauthorized: z.boolean().optional(),
        servername: z.string().min(1).optional(),
      })
      .strict(),
  ],
  { error: 'must be true, false or { ca, cert, key, rejectUnauthorized, servername }' },
);

const required = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is missing' : `${what} must be a string`) });

/** Schema of the `sasl` option (KafkaJS's shape). */
export const SASL_SCHEMA = z
  .object({
    mechanism: z.enum(SASL_CLIENT_MECHANISMS, {
      error: (issue) =>
        issue.input === undefined
          ? `is missing (one of ${SASL_CLIENT_MECHANISMS.join(', ')})`
          : `unknown SASL mechanism ${JSON.stringify(issue.input)}: expected one of ${SASL_CLIENT_MECHANISMS.join(', ')}`,
    }),
    username: required('username').min(1, 'must not be empty'),
    password: required('password').min(1, 'must not be empty'),
  })
  .strict();

/** Schema of {@link FjordOptions}, with defaults. */
export const FJORD_OPTIONS_SCHEMA = z
  .object({
    bootstrap: z
      .array(z.string().regex(ADDRESS, 'must be "host:port"'))
      .min(1, 'needs at least one coordinator address'),
    clientId: z.string().min(1).default('fjord'),
    requestTimeoutMs: positiveInt.default(30_000),
    retry: RETRY_SCHEMA.prefault({}),
    metadataMaxAgeMs: positiveInt.default(300_000),
    logger: loggerSchema.optional(),
    ssl: SSL_SCHEMA.optional(),
    sasl: SASL_SCHEMA.optional(),
  })
  .strict();

/** Options of a {@link Fjord} client. */
export interface FjordOptions {
  /**
   * Coordinators of the cluster, `host:port`: one is enough, as one bootstrap server is for a
   * Kafka client. The client asks one of them for the quorum (DescribeQuorum), learns every
   * voter's address and which one leads, and sends every coordinator call (metadata, admin,
   * groups, producer ids) to the leader. When the leader changes it follows: a follower's
   * NOT_COORDINATOR answer names the new leader, and an unreachable leader makes it try the
   * other voters, each at most once per call; when no leader answers (an election is running)
   * the call fails with a retriable NotCoordinatorError or ConnectionError, which the
   * producer, consumer and admin retry with backoff within their own timeouts. Listing
   * several coordinators lets the first contact survive the loss of one. A coordinator that
   * accepts connections but does not answer (a stopped process) costs one `requestTimeoutMs`
   * before the next voter is asked, as in Kafka's clients. Metadata never goes
   * back in time: an answer older than one already applied is refused and asked again.
   * Brokers are found through the coordinators, not listed here.
   */
  bootstrap: string[];
  /** Names this client in server logs (default `'fjord'`). */
  clientId?: string;
  /** Deadline of each request, in milliseconds (default 30000). */
  requestTimeoutMs?: number;
  /** Backoff between retries of retriable failures. */
  retry?: Partial<RetryPolicy>;
  /** Cached topic metadata is refreshed after this many milliseconds at the latest (default 300000). */
  metadataMaxAgeMs?: number;
  /** Where the SDK logs, e.g. a pino logger (see {@link FjordLogger}); silent by default. */
  logger?: FjordLogger;
  /**
   * TLS to the coordinators and brokers (SSL and SASL_SSL listeners), named as in KafkaJS.
   * `true`: TLS with the system's CAs. An object: `ca` (the CA certificates to trust, PEM text
   * or Buffers, one or a list), `cert` and `key` (this client's certificate and key, where the
   * listener requires client certificates), `servername` (the name to expect in the server's
   * certificate instead of the dialled host) and `rejectUnauthorized` (`false` accepts any
   * server certificate: tests only). PEMs are given as their contents, never as paths.
   * A failed handshake is a {@link ConnectionError} whose message says TLS and why.
   *
   * ```ts
   * new Fjord({ bootstrap, ssl: { ca: readFileSync('ca.pem', 'utf8') } });
   * ```
   */
  ssl?: boolean | SslOptions;
  /**
   * SASL login (SASL_PLAINTEXT and SASL_SSL listeners), named as in KafkaJS: `mechanism`
   * (`'scram-sha-256'`, `'scram-sha-512'` or `'plain'`), `username`, `password`. Each
   * connection logs in once and sends its session token with every call; the token is renewed
   * before it expires. A wrong password or unknown user fails calls with
   * {@link SaslAuthenticationFailedError} (an {@link AuthenticationError}, not retried).
   * SCRAM never sends the password; PLAIN does, so use it over TLS only.
   */
  sasl?: SaslOptions;
}

/** {@link FjordOptions} with defaults filled in. */
export type ResolvedFjordOptions = z.output<typeof FJORD_OPTIONS_SCHEMA>;

/** Schema of {@link ProducerOptions}, with defaults. */
export const PRODUCER_OPTIONS_SCHEMA = z
  .object({
    acks: z.union([z.literal(0), z.literal(1), z.literal(-1), z.literal('all')]).default('all'),
    deliveryTimeoutMs: positiveInt.default(120_000),
    batchBytes: positiveInt.default(64 * 1024),
    lingerMs: z.number().int().min(0).default(5),
    maxRequestBytes: positiveInt.default(1024 * 1024),
    bufferMemoryBytes: positiveInt.default(32 * 1024 * 1024),
    maxBlockMs: z.number().int().min(0).default(60_000),
    compression: z.enum(COMPRESSION_NAMES).default('none'),
    idempotent: z.boolean().optional(),
    maxInFlightRequestsPerBroker: z.number().int().min(1).max(5).default(5),
    partitioner: fn<Partitioner>('partitioner').optional(),
    keySerializer: fn<Serializer<unknown>>('keySerializer').optional(),
    valueSerializer: fn<Serializer<unknown>>('valueSerializer').optional(),
  })
  .strict();

/** Options of a {@link Producer}. */
export interface ProducerOptions<K = RawKey, V = RawKey> {
  /**
   * When the broker answers: `0` before writing (offsets unknown, reported as -1n), `1` after
   * the leader wrote, `'all'` (or -1) after every in-sync replica has the batch. Default `'all'`.
   */
  acks?: 0 | 1 | -1 | 'all';
  /** Upper bound on delivering a record, from send() to acknowledgement, retries included, in ms (default 120000). */
  deliveryTimeoutMs?: number;
  /** A partition's batch is sent when it reaches this many bytes (default 64 KiB). */
  batchBytes?: number;
  /** ...or when its first record has waited this long, in ms (default 5). */
  lingerMs?: number;
  /** Upper bound of one Produce request (all ready batches for one broker), in bytes (default 1 MiB). */
  maxRequestBytes?: number;
  /** Memory for records waiting to be sent, in bytes (default 32 MiB). */
  bufferMemoryBytes?: number;
  /** How long send() waits for buffer memory before it rejects with BufferExhaustedError, in ms (default 60000). */
  maxBlockMs?: number;
  /** Compression of each batch: `'none'` (default), `'gzip'`, `'snappy'`, `'lz4'` or `'zstd'`. */
  compression?: CompressionName;
  /**
   * Idempotent delivery (default: on with acks 'all', as in Kafka 3.x): the broker keeps each
   * partition's batches exactly once and in order, whatever the retries. `true` with acks 0
   * or 1 is refused.
   */
  idempotent?: boolean;
  /** Produce requests in flight to one broker at a time, 1-5 (default 5). */
  maxInFlightRequestsPerBroker?: number;
  /** Chooses the partition of messages without an explicit `partition`; default: Kafka's (murmur2 of the key). */
  partitioner?: Partitioner;
  /** Turns keys into bytes; without it keys must be Buffer, string or null. */
  keySerializer?: Serializer<K>;
  /** Turns values into bytes; without it values must be Buffer, string or null. */
  valueSerializer?: Serializer<V>;
}
type RawKey = Buffer | Uint8Array | string | null;

export type ResolvedProducerOptions = z.output<typeof PRODUCER_OPTIONS_SCHEMA>;

/** Schema of {@link ConsumerOptions}, with defaults. */
export const CONSUMER_OPTIONS_SCHEMA = z
  .object({
    groupId: z.string().trim().min(1, 'must not be empty').optional(),
    groupInstanceId: z.string().min(1).optional(),
    sessionTimeoutMs: positiveInt.min(500).default(45_000),
    maxPollIntervalMs: positiveInt.default(300_000),
    autoCommit: z.boolean().default(true),
    autoCommitIntervalMs: positiveInt.default(5_000),
    assignor: z.enum(['uniform', 'range']).default('uniform'),
    autoOffsetReset: z.enum(['earliest', 'latest', 'none']).default('latest'),
    maxPollRecords: positiveInt.default(500),
    fetchMaxWaitMs: z.number().int().min(0).default(500),
    fetchMinBytes: positiveInt.default(1),
    fetchMaxBytes: positiveInt.default(50 * 1024 * 1024),
    maxPartitionFetchBytes: positiveInt.default(1024 * 1024),
    fetchSessions: z.boolean().default(true),
    keyDeserializer: fn<Deserializer<unknown>>('keyDeserializer').optional(),
    valueDeserializer: fn<Deserializer<unknown>>('valueDeserializer').optional(),
  })
  .strict();

/** Options of a {@link Consumer}. */
export interface ConsumerOptions<K = Buffer, V = Buffer> {
  /** Consumer group to join (subscribe mode); without it the consumer works in assign mode. */
  groupId?: string;
  /** Static membership: a member restarted within `sessionTimeoutMs` keeps its partitions. */
  groupInstanceId?: string;
  /** The coordinator removes the member after this long without a heartbeat, in ms (default 45000). */
  sessionTimeoutMs?: number;
  /** The member leaves the group when `poll()` is not called for this long, in ms (default 300000). */
  maxPollIntervalMs?: number;
  /** Commit processed offsets every `autoCommitIntervalMs`, on rebalance and on close (default true). */
  autoCommit?: boolean;
  /** Interval of automatic commits, in ms (default 5000). */
  autoCommitIntervalMs?: number;
  /** Server-side assignor used when this member creates the group: `'uniform'` (sticky, default) or `'range'`. */
  assignor?: 'uniform' | 'range';
  /**
   * Where to start when a partition has no position, or its position is out of range:
   * `'earliest'`, `'latest'` (default), or `'none'` (poll() rejects instead).
   */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** Most records one `poll()` returns (default 500). */
  maxPollRecords?: number;
  /** How long a broker may hold a fetch waiting for `fetchMinBytes`, in milliseconds (default 500). */
  fetchMaxWaitMs?: number;
  /** Bytes a broker waits for before answering a fetch (default 1). */
  fetchMinBytes?: number;
  /** Byte limit of one fetch response (default 50 MiB). */
  fetchMaxBytes?: number;
  /** Byte limit per partition in one fetch response (default 1 MiB; one batch is always returned). */
  maxPartitionFetchBytes?: number;
  /**
   * Fetch through one fetch session per broker (FetchStream: partitions and positions are
   * sent once, then only changes), default true; false, or a broker without FetchStream:
   * one unary Fetch per round.
   */
  fetchSessions?: boolean;
  /** Turns key bytes into K; without it keys are Buffers. */
  keyDeserializer?: Deserializer<K>;
  /** Turns value bytes into V; without it values are Buffers. */
  valueDeserializer?: Deserializer<V>;
}

export type ResolvedConsumerOptions = z.output<typeof CONSUMER_OPTIONS_SCHEMA>;

/** Parses options against a schema; every problem is named in one InvalidArgumentError. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys')
      return `unknown option ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    const path = issue.path.join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new InvalidArgumentError(`invalid ${what} options: ${problems.join('; ')}`);
}
