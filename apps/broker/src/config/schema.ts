import { z } from 'zod';

/** An integer given as a string (flags and env are strings), at least `min`. */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/**
 * Broker configuration (docs/dev/CONTRACTS.md, "Process command lines"). Every key is a
 * flag (`--broker-id`) and an environment variable (`FJORD_BROKER_ID`); flags win over the
 * environment, the environment over these defaults.
 */
export const BROKER_CONFIG_SCHEMA = z
  .object({
    /** Stable id of this broker in the cluster. Required. */
    brokerId: int(0),
    /** Address the gRPC server binds to. */
    host: z.string().min(1).default('127.0.0.1'),
    /** gRPC port; defaults to 7400 + brokerId; 0 picks an ephemeral port (logged in `listening`). */
    port: int(0, 65_535).optional(),
    /** Host clients and other brokers connect to (differs from `host` in containers); defaults to `host`. */
    advertisedHost: z.string().min(1).optional(),
    /**
     * Port clients and other brokers connect to, when it differs from the bound one (a
     * container's published port, a proxy); defaults to the bound port.
     */
    advertisedPort: int(1, 65_535).optional(),
    /** LevelDB directory; defaults to ./.fjord/broker-<id>. */
    dataDir: z.string().min(1).optional(),
    /** The coordinator's address, host:port. */
    coordinator: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'must be host:port')
      .default('127.0.0.1:7400'),
    /**
     * When writes reach the disk:
     * - `os` (default): LevelDB write without fsync; the data is in the OS page cache before
     *   the ack, so an acknowledged batch survives a process crash (kill -9) but not a machine
     *   crash or power loss.
     * - `sync`: fsync on every write; survives a machine crash; slowest.
     * - `interval`: like `os`, plus an fsync every `flushIntervalMs`; a machine crash loses at
     *   most the last interval.
     */
    flushPolicy: z.enum(['os', 'interval', 'sync']).default('os'),
    /** fsync period with flushPolicy=interval. */
    flushIntervalMs: int(1).default(1000),
    /** How often retention (retention.ms, retention.bytes) runs over every hosted partition. */
    retentionCheckIntervalMs: int(1).default(300_000),
    /**
     * A follower that has not been caught up with its leader for this long leaves the ISR;
     * one that catches up joins it again (Kafka's replica.lag.time.max.ms).
     */
    replicaLagTimeMaxMs: int(100).default(10_000),
    /** How long a follower's fetch waits at the leader for new data. */
    replicaFetchWaitMaxMs: int(0, 30_000).default(500),
    /** How often high watermarks are checkpointed to partition meta (also on shutdown). */
    highWatermarkCheckpointIntervalMs: int(100).default(5_000),
    /** On SIGTERM, how long the broker tries to hand its leaderships over before stopping. */
    controlledShutdownTimeoutMs: int(0).default(10_000),
    /**
     * Port of the HTTP server with /metrics (Prometheus) and /healthz, bound on `host`;
     * defaults to 9400 + brokerId; 0 picks an ephemeral port (logged in `metrics listening`);
     * -1 turns the server off.
     */
    metricsPort: int(-1, 65_535).optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  })
  .strict();

/** Raw (string) configuration as read from flags and environment. */
export type RawBrokerConfig = Record<string, string | undefined>;

/** The broker's configuration with every default resolved. */
export interface BrokerConfig {
  brokerId: number;
  host: string;
  port: number;
  advertisedHost: string;
  /** Absent: the bound port is advertised. */
  advertisedPort?: number | undefined;
  dataDir: string;
  coordinator: string;
  flushPolicy: 'os' | 'interval' | 'sync';
  flushIntervalMs: number;
  retentionCheckIntervalMs: number;
  replicaLagTimeMaxMs: number;
  replicaFetchWaitMaxMs: number;
  highWatermarkCheckpointIntervalMs: number;
  controlledShutdownTimeoutMs: number;
  /** -1: no metrics server. */
  metricsPort: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

/** Base of the default port: broker N listens on 7400 + N (the coordinator has 7400). */
export const DEFAULT_PORT_BASE = 7400;

/** Base of the default metrics port: broker N serves /metrics on 9400 + N (the coordinator has 9400). */
export const DEFAULT_METRICS_PORT_BASE = 9400;
