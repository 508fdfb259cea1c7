import { z } from 'zod';
import { LOG_LEVELS } from '../logger.js';

/** A whole number given as a string (flags and environment variables are strings). */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`));

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/**
 * The coordinator's configuration with its defaults (docs/dev/CONTRACTS.md). Keys are
 * camelCase; each maps to a flag `--kebab-case` and an environment variable `FJORD_UPPER_SNAKE`.
 */
export const COORDINATOR_CONFIG_SCHEMA = z
  .object({
    /** Bind address of the gRPC server. */
    host: nonEmpty.default('127.0.0.1'),
    /** gRPC port; 0 picks an ephemeral port (logged in the `listening` line). */
    port: wholeNumber(0, 65_535).default(7400),
    /** Host that clients are told to use; defaults to `host`. */
    advertisedHost: nonEmpty.optional(),
    /** Directory of the coordinator's LevelDB (metadata log and snapshots). */
    dataDir: nonEmpty.default('./.fjord/coordinator'),
    /** A broker that sends no heartbeat for this long is fenced. */
    sessionTimeoutMs: wholeNumber(100, 3_600_000).default(10_000),
    /** How often brokers are told to heartbeat. */
    heartbeatIntervalMs: wholeNumber(10, 600_000).default(2_000),
    /**
     * How often leadership returns to preferred replicas that are back in the ISR
     * (automatic preferred leader election); 0 turns it off.
     */
    leaderImbalanceCheckIntervalMs: wholeNumber(0, 86_400_000).default(30_000),
    /** How often consumer-group members are told to heartbeat (bounds rebalance latency). */
    groupHeartbeatIntervalMs: wholeNumber(10, 600_000).default(500),
    /** Take a snapshot of the state (and drop older log entries) after this many records. */
    snapshotEveryRecords: wholeNumber(1, 100_000_000).default(1_000),
    /**
     * Port of the HTTP server with /metrics (Prometheus) and /healthz, bound on `host`;
     * 0 picks an ephemeral port (logged in `metrics listening`); -1 turns the server off.
     */
    metricsPort: wholeNumber(-1, 65_535).default(9400),
    logLevel: z.enum(LOG_LEVELS).default('info'),
  })
  .strict()
  .refine((c) => c.heartbeatIntervalMs < c.sessionTimeoutMs, {
    message: 'must be smaller than session-timeout-ms',
    path: ['heartbeatIntervalMs'],
  })
  .transform((c) => ({ ...c, advertisedHost: c.advertisedHost ?? c.host }));

/** Validated coordinator configuration. */
export type CoordinatorConfig = z.output<typeof COORDINATOR_CONFIG_SCHEMA>;

/** Configuration keys, in the order `--help` lists them. */
export const CONFIG_KEYS = [
  'host',
  'port',
  'advertisedHost',
  'dataDir',
  'sessionTimeoutMs',
  'heartbeatIntervalMs',
  'leaderImbalanceCheckIntervalMs',
  'groupHeartbeatIntervalMs',
  'snapshotEveryRecords',
  'metricsPort',
  'logLevel',
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
