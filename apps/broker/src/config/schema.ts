import { MAX_GRPC_MESSAGE_BYTES } from '@fjord/protocol';
import {
  bindHost,
  DEFAULT_GRPC_PORT,
  DEFAULT_HOST,
  DEFAULT_METRICS_PORT,
  durationMs,
  grpcLimitSettings,
  hostPort,
  int,
  logLevel,
  nonEmpty,
  port,
} from '@fjord/server-kit';
import { z } from 'zod';

/**
 * The broker's settings (docs/dev/CONTRACTS.md, "Process command lines"), each with its one
 * default and the description `--help` shows. Every key is a flag (`--broker-id`), an
 * environment variable (`FJORD_BROKER_ID`) and a config-file key.
 */
export const BROKER_SETTINGS = z
  .object({
    brokerId: int(0).describe('stable id of this broker in the cluster'),
    host: bindHost,
    port: port().optional().describe(`gRPC port, 0 = ephemeral (default ${DEFAULT_GRPC_PORT} + broker id)`),
    advertisedHost: nonEmpty
      .optional()
      .describe('host clients and other brokers connect to, e.g. in a container (default: --host)'),
    advertisedPort: port(1)
      .optional()
      .describe('port clients and other brokers connect to, e.g. a published port (default: the bound port)'),
    kafkaPort: port()
      .optional()
      .describe('port of the Kafka-protocol listener on --host, 0 = ephemeral (default: no Kafka listener)'),
    kafkaAdvertisedPort: port(1)
      .optional()
      .describe('port Kafka clients are told to connect to (default: the bound Kafka port)'),
    dataDir: nonEmpty.optional().describe('LevelDB directory (default ./.fjord/broker-<id>)'),
    coordinator: hostPort
      .default(`${DEFAULT_HOST}:${DEFAULT_GRPC_PORT}`)
      .describe("the coordinator's address, host:port"),
    /**
     * - `os`: LevelDB write without fsync; the data is in the OS page cache before the ack, so
     *   an acknowledged batch survives a process crash (kill -9) but not a machine crash.
     * - `sync`: fsync on every write; survives a machine crash; slowest.
     * - `interval`: like `os`, plus an fsync every `flushIntervalMs`; a machine crash loses at
     *   most the last interval.
     */
    flushPolicy: z
      .enum(['os', 'interval', 'sync'])
      .default('os')
      .describe(
        'when writes reach the disk: os = page cache, sync = fsync each write, interval = fsync periodically',
      ),
    flushIntervalMs: durationMs(1).default(1000).describe('fsync period with --flush-policy interval'),
    retentionCheckIntervalMs: durationMs(1)
      .default(300_000)
      .describe('how often retention (retention.ms, retention.bytes) runs over every hosted partition'),
    replicaLagTimeMaxMs: durationMs(100)
      .default(10_000)
      .describe('a follower not caught up with its leader for this long leaves the ISR'),
    replicaFetchWaitMaxMs: durationMs(0, 30_000)
      .default(500)
      .describe("how long a follower's fetch waits at the leader for new data"),
    highWatermarkCheckpointIntervalMs: durationMs(100)
      .default(5_000)
      .describe('how often high watermarks are checkpointed to partition meta (also on shutdown)'),
    controlledShutdownTimeoutMs: durationMs(0)
      .default(10_000)
      .describe('on SIGTERM, how long the broker tries to hand its leaderships over, 0 = not at all'),
    metricsPort: port(-1)
      .optional()
      .describe(
        `HTTP port of /metrics and /healthz, 0 = ephemeral, -1 = off (default ${DEFAULT_METRICS_PORT} + broker id)`,
      ),
    // Produce carries batches of batches: as large as a client may send.
    ...grpcLimitSettings(MAX_GRPC_MESSAGE_BYTES),
    maxLookupRequestBytes: int(1024, MAX_GRPC_MESSAGE_BYTES)
      .default(1024 * 1024)
      .describe(
        'largest Fetch, ListOffsets or OffsetForLeaderEpoch request accepted, in bytes (they carry no records)',
      ),
    maxAckWaitMs: durationMs(1, 3_600_000)
      .default(30_000)
      .describe(
        'longest an acks=all produce waits for its in-sync replicas, also when its timeout asks for more (also the wait when it names none)',
      ),
    logLevel,
  })
  .strict();

/** The settings with the defaults that depend on others (ports and data dir from the broker id). */
export const BROKER_CONFIG_SCHEMA = BROKER_SETTINGS.transform((c) => ({
  ...c,
  port: c.port ?? DEFAULT_GRPC_PORT + c.brokerId,
  advertisedHost: c.advertisedHost ?? c.host,
  dataDir: c.dataDir ?? `./.fjord/broker-${c.brokerId}`,
  metricsPort: c.metricsPort ?? DEFAULT_METRICS_PORT + c.brokerId,
}));

/** The broker's configuration with every default resolved (`advertisedPort` absent: the bound port). */
export type BrokerConfig = z.output<typeof BROKER_CONFIG_SCHEMA>;
