import {
  addScramSetting,
  advertisedListenerList,
  bindHost,
  bindListenerList,
  DEFAULT_GRPC_PORT,
  DEFAULT_METRICS_PORT,
  durationMs,
  grpcLimitSettings,
  int,
  logLevel,
  nonEmpty,
  port,
  reportListenerProblems,
  resolveListeners,
  resolveSecurityConfig,
  SECURITY_PROTOCOLS,
  SECURITY_SETTINGS,
  securityProtocolMap,
} from '@fjord/server-kit';
import { z } from 'zod';
import { votersSetting } from './quorum-voters.js';
import { PRINCIPAL_BOUND_SETTINGS } from './security-settings.js';

/**
 * The coordinator's settings (docs/dev/CONTRACTS.md), each with its one default and the
 * description `--help` shows. Every key is a flag (`--session-timeout-ms`), an environment
 * variable (`FJORD_SESSION_TIMEOUT_MS`) and a config-file key.
 */
export const COORDINATOR_SETTINGS = z
  .object({
    host: bindHost,
    port: port()
      .optional()
      .describe(
        `gRPC port of the one PLAINTEXT listener when --listeners is absent, 0 = ephemeral (default ${DEFAULT_GRPC_PORT})`,
      ),
    advertisedHost: nonEmpty
      .optional()
      .describe('host clients are told to connect to, without --listeners (default: --host)'),
    listeners: bindListenerList
      .optional()
      .describe(
        'named gRPC listeners, NAME://host:port,... e.g. INTERNAL://0.0.0.0:7400,EXTERNAL://0.0.0.0:17400',
      ),
    advertisedListeners: advertisedListenerList
      .optional()
      .describe('what each listener tells clients, NAME://host:port,... (default: its bind address)'),
    listenerSecurityProtocolMap: securityProtocolMap
      .optional()
      .describe(
        'NAME:PROTOCOL,... for every listener not named after its protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)',
      ),
    nodeId: int(1, 2_147_483_647)
      .default(1)
      .describe("this coordinator's id in the quorum (one of --voters)"),
    voters: votersSetting
      .optional()
      .describe(
        "the quorum: id@host:port of every voter (1, 3 or 5), the same list on each; host:port is the voter's advertised address (default: this node alone)",
      ),
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
      .describe(
        'snapshot the metadata state (and drop older log entries) every N applied log entries (proposals)',
      ),
    metricsPort: port(-1)
      .default(DEFAULT_METRICS_PORT)
      .describe('HTTP port of /metrics and /healthz, 0 = ephemeral, -1 = off'),
    // Metadata, group and producer-id requests only: no record batches.
    ...grpcLimitSettings(8 * 1024 * 1024),
    ...SECURITY_SETTINGS,
    addScram: addScramSetting,
    ...PRINCIPAL_BOUND_SETTINGS,
    logLevel,
  })
  .strict();

/**
 * The settings with their cross-checks and derived defaults; the listeners are `--listeners`,
 * or the one PLAINTEXT listener of `--port` / `--advertised-host`.
 */
export const COORDINATOR_CONFIG_SCHEMA = COORDINATOR_SETTINGS.refine(
  (c) => c.heartbeatIntervalMs < c.sessionTimeoutMs,
  { message: 'must be smaller than session-timeout-ms', path: ['heartbeatIntervalMs'] },
)
  .superRefine((c, ctx) => {
    if (c.voters === undefined || c.voters.some((v) => v.id === c.nodeId)) return;
    ctx.addIssue({
      code: 'custom',
      message: `must be one of the voter ids in --voters (${c.voters.map((v) => v.id).join(', ')})`,
      path: ['nodeId'],
    });
  })
  .transform((c, ctx) => {
    const {
      port: grpcPort,
      advertisedHost,
      listeners,
      advertisedListeners,
      listenerSecurityProtocolMap,
      addScram,
      ...rest
    } = c;
    const resolved = resolveListeners({
      ...(listeners === undefined ? {} : { listeners }),
      ...(advertisedListeners === undefined ? {} : { advertisedListeners }),
      ...(listenerSecurityProtocolMap === undefined
        ? {}
        : { securityProtocolMap: listenerSecurityProtocolMap }),
      shorthand: {
        host: c.host,
        port: grpcPort ?? DEFAULT_GRPC_PORT,
        ...(advertisedHost === undefined ? {} : { advertisedHost }),
        given: Object.entries({ port: grpcPort, advertisedHost })
          .filter(([, value]) => value !== undefined)
          .map(([key]) => key),
      },
      // The coordinator's gRPC server serves every protocol (the server kit's security).
      servedProtocols: SECURITY_PROTOCOLS,
      keys: {
        listeners: 'listeners',
        advertisedListeners: 'advertisedListeners',
        securityProtocolMap: 'listenerSecurityProtocolMap',
      },
    });
    // Peers (voters, brokers) reach a coordinator on its first listener: its inter-broker one.
    const security = resolveSecurityConfig(rest, {
      listeners: resolved.listeners,
      ...(resolved.listeners[0] === undefined ? {} : { interBrokerListener: resolved.listeners[0] }),
    });
    const problems = [...resolved.problems, ...security.problems];
    if (problems.length > 0) {
      reportListenerProblems(ctx, problems);
      return z.NEVER;
    }
    // voters null: this node is the only voter, at its own advertised address (known once bound).
    return {
      ...rest,
      securityInterBrokerProtocol: security.config.securityInterBrokerProtocol,
      addScram: addScram ?? [],
      listeners: resolved.listeners,
      voters: rest.voters ?? null,
    };
  });

/** Validated coordinator configuration. */
export type CoordinatorConfig = z.output<typeof COORDINATOR_CONFIG_SCHEMA>;
