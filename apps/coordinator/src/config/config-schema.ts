import {
  bindHost,
  DEFAULT_GRPC_PORT,
  DEFAULT_METRICS_PORT,
  durationMs,
  grpcLimitSettings,
  int,
  logLevel,
  nonEmpty,
  port,
} from '@fjord/server-kit';
import { z } from 'zod';

/**
 * The coordinator's settings (docs/dev/CONTRACTS.md), each with its one default and the
 * description `--help` shows. Every key is a flag (`--session-timeout-ms`), an environment
 * variable (`FJORD_SESSION_TIMEOUT_MS`) and a config-file key.
 */
export const COORDINATOR_SETTINGS = z
  .object({
    host: bindHost,
    port: port()
      .default(DEFAULT_GRPC_PORT)
      .describe('gRPC port, 0 = ephemeral (the bound one is logged in `listening`)'),
    advertisedHost: nonEmpty.optional().describe('host clients are told to connect to (default: --host)'),
    dataDir: nonEmpty.default('./.fjord/coordinator').describe('directory of the metadata log and snapshots'),
    sessionTimeoutMs: durationMs(100, 3_600_000)
      .default(10_000)
      .describe('a broker that sends no heartbeat for this long is fenced'),
    heartbeatIntervalMs: durationMs(10, 600_000)
      .default(2_000)
      .describe('how often brokers are told to heartbeat; below --session-timeout-ms'),
    leaderImbalanceCheckIntervalMs: durationMs(0, 86_400_000)
      .default(30_000)
      .describe('how often leadership returns to preferred replicas back in the ISR, 0 = never'),
    groupHeartbeatIntervalMs: durationMs(10, 600_000)
      .default(500)
      .describe('how often consumer-group members are told to heartbeat (bounds rebalance latency)'),
    snapshotEveryRecords: int(1, 100_000_000)
      .default(1_000)
      .describe('snapshot the metadata state (and drop older log entries) every N records'),
    metricsPort: port(-1)
      .default(DEFAULT_METRICS_PORT)
      .describe('HTTP port of /metrics and /healthz, 0 = ephemeral, -1 = off'),
    // Metadata, group and producer-id requests only: no record batches.
    ...grpcLimitSettings(8 * 1024 * 1024),
    logLevel,
  })
  .strict();

/** The settings with their cross-checks and derived defaults. */
export const COORDINATOR_CONFIG_SCHEMA = COORDINATOR_SETTINGS.refine(
  (c) => c.heartbeatIntervalMs < c.sessionTimeoutMs,
  { message: 'must be smaller than session-timeout-ms', path: ['heartbeatIntervalMs'] },
).transform((c) => ({ ...c, advertisedHost: c.advertisedHost ?? c.host }));

/** Validated coordinator configuration. */
export type CoordinatorConfig = z.output<typeof COORDINATOR_CONFIG_SCHEMA>;
