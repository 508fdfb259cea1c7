import { MAX_GRPC_MESSAGE_BYTES } from '@fjord/protocol';
import {
  advertisedListenerList,
  bindHost,
  bindListenerList,
  DEFAULT_GRPC_PORT,
  DEFAULT_HOST,
  DEFAULT_METRICS_PORT,
  durationMs,
  grpcLimitSettings,
  hostPortList,
  int,
  type Listener,
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
import { LEVELDB_DEFAULTS } from '../log/store.js';
import { DEFAULT_TAIL_CACHE_BYTES } from '../log/tail-cache.js';

/**
 * The broker's settings (docs/dev/CONTRACTS.md, "Process command lines"), each with its one
 * default and the description `--help` shows. Every key is a flag (`--broker-id`), an
 * environment variable (`FJORD_BROKER_ID`) and a config-file key.
 */
export const BROKER_SETTINGS = z
  .object({
    brokerId: int(0).describe('stable id of this broker in the cluster'),
    host: bindHost,
    port: port()
      .optional()
      .describe(
        `gRPC port of the one PLAINTEXT listener when --listeners is absent, 0 = ephemeral (default ${DEFAULT_GRPC_PORT} + broker id)`,
      ),
    advertisedHost: nonEmpty
      .optional()
      .describe('host clients and other brokers connect to, without --listeners (default: --host)'),
    advertisedPort: port(1)
      .optional()
      .describe('port clients and other brokers connect to, without --listeners (default: the bound port)'),
    kafkaPort: port()
      .optional()
      .describe(
        'port of the one Kafka-protocol listener on --host without --kafka-listeners, 0 = ephemeral (default: none)',
      ),
    kafkaAdvertisedPort: port(1)
      .optional()
      .describe('port Kafka clients are told, without --kafka-listeners (default: the bound Kafka port)'),
    listeners: bindListenerList
      .optional()
      .describe(
        'named gRPC listeners, NAME://host:port,... e.g. INTERNAL://0.0.0.0:7401,EXTERNAL://0.0.0.0:17401',
      ),
    advertisedListeners: advertisedListenerList
      .optional()
      .describe('what each listener tells clients, NAME://host:port,... (default: its bind address)'),
    kafkaListeners: bindListenerList
      .optional()
      .describe('named Kafka-protocol listeners, NAME://host:port,... (names shared with --listeners)'),
    kafkaAdvertisedListeners: advertisedListenerList
      .optional()
      .describe('what each Kafka listener tells Kafka clients, NAME://host:port,...'),
    listenerSecurityProtocolMap: securityProtocolMap
      .optional()
      .describe(
        'NAME:PROTOCOL,... for every listener not named after its protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)',
      ),
    interBrokerListenerName: nonEmpty
      .optional()
      .describe('the listener other brokers reach this one on (default: the first of --listeners)'),
    dataDir: nonEmpty.optional().describe('LevelDB directory (default ./.fjord/broker-<id>)'),
    coordinator: hostPortList
      .default([`${DEFAULT_HOST}:${DEFAULT_GRPC_PORT}`])
      .describe(
        'the coordinators, host:port[,host:port...]; one is enough, the broker learns the others and follows the leader',
      ),
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
    levelDbWriteBufferBytes: int(64 * 1024, 1024 ** 3)
      .default(LEVELDB_DEFAULTS.writeBufferBytes)
      .describe(
        "LevelDB's memtable size (write_buffer_size): appends collect here before they become a table file; up to two are in memory",
      ),
    levelDbMaxFileBytes: int(64 * 1024, 1024 ** 3)
      .default(LEVELDB_DEFAULTS.maxFileBytes)
      .describe("LevelDB's table file size (max_file_size) before a compaction starts a new file"),
    tailCacheBytes: int(0, 1024 ** 3)
      .default(DEFAULT_TAIL_CACHE_BYTES)
      .describe(
        'memory for the most recently appended batches of all partitions, read by followers and consumers at the end of a log without LevelDB; 0 = none',
      ),
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
    producerByteRate: int(1)
      .optional()
      .describe(
        'produce quota of each (principal, client id), in bytes/s over 11 windows of 1 s, as Kafka (default: unlimited)',
      ),
    consumerByteRate: int(1)
      .optional()
      .describe(
        'fetch quota of each (principal, client id), in bytes/s over 11 windows of 1 s, as Kafka; replica fetches are not counted (default: unlimited)',
      ),
    ...SECURITY_SETTINGS,
    logLevel,
  })
  .strict();

/**
 * The settings with the defaults that depend on others (ports and data dir from the broker id),
 * and the listeners: `--listeners` and `--kafka-listeners`, or the one PLAINTEXT listener of
 * `--port` / `--advertised-host` / `--advertised-port` (and of `--kafka-port`).
 */
export const BROKER_CONFIG_SCHEMA = BROKER_SETTINGS.transform((c, ctx) => {
  const {
    port: grpcPort,
    advertisedHost,
    advertisedPort,
    kafkaPort,
    kafkaAdvertisedPort,
    listeners: grpcListeners,
    advertisedListeners,
    kafkaListeners: kafkaListenerAddresses,
    kafkaAdvertisedListeners,
    listenerSecurityProtocolMap,
    interBrokerListenerName,
    ...rest
  } = c;
  const given = (values: Record<string, unknown>) =>
    Object.entries(values)
      .filter(([, value]) => value !== undefined)
      .map(([key]) => key);
  const securityMap =
    listenerSecurityProtocolMap === undefined ? {} : { securityProtocolMap: listenerSecurityProtocolMap };
  const grpc = resolveListeners({
    ...(grpcListeners === undefined ? {} : { listeners: grpcListeners }),
    ...(advertisedListeners === undefined ? {} : { advertisedListeners }),
    ...securityMap,
    shorthand: {
      host: c.host,
      port: grpcPort ?? DEFAULT_GRPC_PORT + c.brokerId,
      ...(advertisedHost === undefined ? {} : { advertisedHost }),
      ...(advertisedPort === undefined ? {} : { advertisedPort }),
      given: given({ port: grpcPort, advertisedHost, advertisedPort }),
    },
    keys: {
      listeners: 'listeners',
      advertisedListeners: 'advertisedListeners',
      securityProtocolMap: 'listenerSecurityProtocolMap',
    },
    // The broker's gRPC server is started with the server kit's security.
    servedProtocols: SECURITY_PROTOCOLS,
  });
  const kafka = resolveListeners({
    ...(kafkaListenerAddresses === undefined ? {} : { listeners: kafkaListenerAddresses }),
    ...(kafkaAdvertisedListeners === undefined ? {} : { advertisedListeners: kafkaAdvertisedListeners }),
    ...securityMap,
    ...(kafkaPort === undefined
      ? {}
      : {
          shorthand: {
            host: c.host,
            port: kafkaPort,
            ...(advertisedHost === undefined ? {} : { advertisedHost }),
            ...(kafkaAdvertisedPort === undefined ? {} : { advertisedPort: kafkaAdvertisedPort }),
            given: given({ kafkaPort, kafkaAdvertisedPort }),
          },
        }),
    keys: {
      listeners: 'kafkaListeners',
      advertisedListeners: 'kafkaAdvertisedListeners',
      securityProtocolMap: 'listenerSecurityProtocolMap',
    },
    servedProtocols: SECURITY_PROTOCOLS,
  });
  if (kafkaListenerAddresses === undefined && kafkaPort === undefined && kafkaAdvertisedPort !== undefined) {
    grpc.problems.push({ key: 'kafkaAdvertisedPort', message: 'needs --kafka-port' });
  }
  const interBroker = interBrokerListenerName ?? grpc.listeners[0]?.name ?? '';
  if (grpc.listeners.length > 0 && !grpc.listeners.some((l) => l.name === interBroker)) {
    grpc.problems.push({
      key: 'interBrokerListenerName',
      message: `listener ${interBroker} is not in --listeners (${grpc.listeners.map((l) => l.name).join(', ')})`,
    });
  }
  const security = resolveSecurityConfig(rest, {
    listeners: [...grpc.listeners, ...kafka.listeners],
    ...(interBrokerListener(grpc.listeners, interBroker) ?? {}),
  });
  const problems = [...grpc.problems, ...kafka.problems, ...security.problems];
  if (problems.length > 0) {
    reportListenerProblems(ctx, problems);
    return z.NEVER;
  }
  return {
    ...rest,
    ...security.config,
    listeners: grpc.listeners,
    kafkaListeners: kafka.listeners,
    interBrokerListenerName: interBroker,
    dataDir: c.dataDir ?? `./.fjord/broker-${c.brokerId}`,
    metricsPort: c.metricsPort ?? DEFAULT_METRICS_PORT + c.brokerId,
  };
});

function interBrokerListener(listeners: readonly Listener[], name: string) {
  const listener = listeners.find((l) => l.name === name);
  return listener && { interBrokerListener: listener };
}

/** The broker's configuration with every default resolved; listeners without `advertisedPort` advertise the bound port. */
export type BrokerConfig = z.output<typeof BROKER_CONFIG_SCHEMA>;
