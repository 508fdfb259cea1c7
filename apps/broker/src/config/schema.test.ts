import { helpText, loadConfig as loadSettings } from '@fjord/server-kit';
import { describe, expect, it } from 'vitest';
import { LEVELDB_DEFAULTS } from '../log/store.js';
import { DEFAULT_TAIL_CACHE_BYTES } from '../log/tail-cache.js';
import { BROKER_CONFIG_SCHEMA, BROKER_SETTINGS } from './schema.js';

const loadConfig = (argv: string[], env: NodeJS.ProcessEnv) =>
  loadSettings({ settings: BROKER_SETTINGS, schema: BROKER_CONFIG_SCHEMA, argv, env });

describe('loadConfig', () => {
  it('fills defaults from the broker id', () => {
    const result = loadConfig(['--broker-id', '2'], {});
    expect(result).toEqual({
      kind: 'ok',
      printConfig: false,
      config: {
        brokerId: 2,
        host: '127.0.0.1',
        listeners: [
          {
            name: 'PLAINTEXT',
            host: '127.0.0.1',
            port: 7402,
            advertisedHost: '127.0.0.1',
            securityProtocol: 'PLAINTEXT',
          },
        ],
        kafkaListeners: [],
        interBrokerListenerName: 'PLAINTEXT',
        dataDir: './.fjord/broker-2',
        coordinator: ['127.0.0.1:7400'],
        flushPolicy: 'os',
        flushIntervalMs: 1000,
        levelDbWriteBufferBytes: LEVELDB_DEFAULTS.writeBufferBytes,
        levelDbMaxFileBytes: LEVELDB_DEFAULTS.maxFileBytes,
        tailCacheBytes: DEFAULT_TAIL_CACHE_BYTES,
        retentionCheckIntervalMs: 300_000,
        replicaLagTimeMaxMs: 10_000,
        replicaFetchWaitMaxMs: 500,
        highWatermarkCheckpointIntervalMs: 5_000,
        controlledShutdownTimeoutMs: 10_000,
        metricsPort: 9402,
        maxRequestBytes: 64 * 1024 * 1024,
        maxConcurrentStreams: 100,
        maxLookupRequestBytes: 1024 * 1024,
        maxAckWaitMs: 30_000,
        // The server kit's security settings: everything off, as before issue #13.
        sslClientAuth: 'none',
        sslPrincipalMappingRules: 'DEFAULT',
        sslReloadIntervalMs: 30_000,
        saslEnabledMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
        authorizer: 'none',
        allowEveryoneIfNoAclFound: false,
        sessionTokenLifetimeMs: 600_000,
        securityInterBrokerProtocol: 'PLAINTEXT',
        interBrokerSaslMechanism: 'SCRAM-SHA-512',
        logLevel: 'info',
      },
    });
  });

  it('takes flags over environment over defaults', () => {
    const result = loadConfig(['--port', '0', '--flush-policy=sync', '--metrics-port', '-1'], {
      FJORD_BROKER_ID: '1',
      FJORD_PORT: '9999',
      FJORD_ADVERTISED_HOST: 'broker-1.local',
      FJORD_METRICS_PORT: '0',
    });
    expect(result.kind === 'ok' && result.config).toMatchObject({
      brokerId: 1,
      listeners: [{ name: 'PLAINTEXT', port: 0, advertisedHost: 'broker-1.local' }],
      flushPolicy: 'sync',
      metricsPort: -1,
    });
    const fromEnv = loadConfig([], { FJORD_BROKER_ID: '1', FJORD_METRICS_PORT: '0' });
    expect(fromEnv.kind === 'ok' && fromEnv.config.metricsPort).toBe(0);
  });

  it('takes the byte-rate quotas in bytes/s, unlimited by default, and refuses 0', () => {
    const result = loadConfig(['--broker-id', '1', '--producer-byte-rate', '1048576'], {
      FJORD_CONSUMER_BYTE_RATE: '2097152',
    });
    expect(result.kind === 'ok' && result.config).toMatchObject({
      producerByteRate: 1_048_576,
      consumerByteRate: 2_097_152,
    });
    const defaults = loadConfig(['--broker-id', '1'], {});
    expect(defaults.kind).toBe('ok');
    expect(defaults.kind === 'ok' && defaults.config).not.toHaveProperty('producerByteRate');
    const zero = loadConfig(['--broker-id', '1', '--consumer-byte-rate', '0'], {});
    expect(zero.kind === 'invalid' && zero.problems.join('\n')).toContain('--consumer-byte-rate');
  });

  it('takes a list of coordinators from --coordinator and FJORD_COORDINATOR, naming a bad entry', () => {
    const listed = loadConfig(['--broker-id', '1', '--coordinator', '127.0.0.1:7400,127.0.0.1:7401'], {});
    expect(listed.kind === 'ok' && listed.config.coordinator).toEqual(['127.0.0.1:7400', '127.0.0.1:7401']);
    const fromEnv = loadConfig(['--broker-id', '1'], { FJORD_COORDINATOR: 'c1:7400, c2:7400,c3:7400' });
    expect(fromEnv.kind === 'ok' && fromEnv.config.coordinator).toEqual(['c1:7400', 'c2:7400', 'c3:7400']);
    const bad = loadConfig(['--broker-id', '1', '--coordinator', 'c1:7400,c2'], {});
    expect(bad.kind === 'invalid' && bad.problems.join('\n')).toContain('"c2" must be host:port');
  });

  it('reports every problem at once', () => {
    const result = loadConfig(
      [
        '--bogus',
        '1',
        '--flush-policy',
        'never',
        '--port',
        '70000',
        '--coordinator',
        'x',
        '--metrics-port',
        '-2',
      ],
      {},
    );
    expect(result.kind).toBe('invalid');
    const problems = result.kind === 'invalid' ? result.problems.join('\n') : '';
    expect(problems).toContain('--bogus');
    expect(problems).toContain('--broker-id');
    expect(problems).toContain('--flush-policy');
    expect(problems).toContain('--port');
    expect(problems).toContain('--coordinator');
    expect(problems).toContain('--metrics-port');
  });

  it('answers --help', () => {
    expect(loadConfig(['--help'], {})).toEqual({ kind: 'help' });
    const help = helpText({ command: 'fjord-broker', summary: '', settings: BROKER_SETTINGS });
    expect(help).toMatch(/--retention-check-interval-ms <value> .*\(default 300000\)/);
    expect(help).toMatch(/--port <value> .*\(default 7400 \+ broker id\)/);
    expect(help).toMatch(/--broker-id <value> .*\(required\)/);
  });
});

describe('listeners', () => {
  const containerListeners = [
    '--broker-id',
    '1',
    '--listeners',
    'INTERNAL://0.0.0.0:7400,EXTERNAL://:7500',
    '--advertised-listeners',
    'INTERNAL://broker-1:7400,EXTERNAL://127.0.0.1:17401',
    '--kafka-listeners',
    'INTERNAL://0.0.0.0:9092,EXTERNAL://0.0.0.0:9192',
    '--kafka-advertised-listeners',
    'INTERNAL://broker-1:9092,EXTERNAL://127.0.0.1:19092',
    '--listener-security-protocol-map',
    'INTERNAL:PLAINTEXT,EXTERNAL:plaintext',
  ];

  it('takes named gRPC and Kafka listeners, Kafka style', () => {
    const result = loadConfig([...containerListeners, '--inter-broker-listener-name', 'INTERNAL'], {});
    if (result.kind !== 'ok') throw new Error(JSON.stringify(result));
    expect(result.config.listeners).toEqual([
      {
        name: 'INTERNAL',
        host: '0.0.0.0',
        port: 7400,
        advertisedHost: 'broker-1',
        advertisedPort: 7400,
        securityProtocol: 'PLAINTEXT',
      },
      {
        name: 'EXTERNAL',
        host: '0.0.0.0',
        port: 7500,
        advertisedHost: '127.0.0.1',
        advertisedPort: 17401,
        securityProtocol: 'PLAINTEXT',
      },
    ]);
    expect(result.config.kafkaListeners.map((l) => [l.name, l.advertisedHost, l.advertisedPort])).toEqual([
      ['INTERNAL', 'broker-1', 9092],
      ['EXTERNAL', '127.0.0.1', 19092],
    ]);
    expect(result.config.interBrokerListenerName).toBe('INTERNAL');
  });

  it('reads them from FJORD_* variables too, and defaults the inter-broker listener to the first', () => {
    const result = loadConfig([], {
      FJORD_BROKER_ID: '2',
      FJORD_LISTENERS: 'REPLICATION://127.0.0.1:0,CLIENTS://127.0.0.1:0',
      FJORD_LISTENER_SECURITY_PROTOCOL_MAP: 'REPLICATION:PLAINTEXT,CLIENTS:PLAINTEXT',
    });
    if (result.kind !== 'ok') throw new Error(JSON.stringify(result));
    expect(result.config.listeners.map((l) => l.name)).toEqual(['REPLICATION', 'CLIENTS']);
    expect(result.config.interBrokerListenerName).toBe('REPLICATION');
  });

  it('keeps --kafka-port and --kafka-advertised-port as one PLAINTEXT Kafka listener', () => {
    const result = loadConfig(
      ['--broker-id', '1', '--kafka-port', '0', '--kafka-advertised-port', '19092'],
      {},
    );
    if (result.kind !== 'ok') throw new Error(JSON.stringify(result));
    expect(result.config.kafkaListeners).toEqual([
      {
        name: 'PLAINTEXT',
        host: '127.0.0.1',
        port: 0,
        advertisedHost: '127.0.0.1',
        advertisedPort: 19092,
        securityProtocol: 'PLAINTEXT',
      },
    ]);
  });

  it.each([
    [
      ['--listeners', 'INTERNAL://127.0.0.1:7401', '--port', '7401'],
      '--port / FJORD_PORT: cannot be combined with --listeners',
    ],
    [
      ['--listeners', 'INTERNAL://0.0.0.0:7401', '--listener-security-protocol-map', 'INTERNAL:PLAINTEXT'],
      'listener INTERNAL binds every interface',
    ],
    [
      ['--listeners', 'INTERNAL://127.0.0.1:7401'],
      'listener INTERNAL has no security protocol: add INTERNAL:PLAINTEXT',
    ],
    [
      ['--listeners', 'INTERNAL://127.0.0.1:7401,INTERNAL://127.0.0.1:7402'],
      'listener INTERNAL is named twice',
    ],
    [['--listeners', 'PLAINTEXT://127.0.0.1:7401,SSL://127.0.0.1:7401'], 'both bind port 7401'],
    [['--listeners', 'INTERNAL:7401'], '"INTERNAL:7401" is not NAME://host:port'],
    [
      ['--listeners', 'PLAINTEXT://127.0.0.1:7401', '--advertised-listeners', 'PLAINTEXT://0.0.0.0:7401'],
      'advertises "0.0.0.0"',
    ],
    [
      ['--listeners', 'PLAINTEXT://127.0.0.1:7401', '--advertised-listeners', 'OTHER://h:1'],
      'listener OTHER is not in --listeners',
    ],
    [
      ['--advertised-listeners', 'PLAINTEXT://h:1'],
      '--advertised-listeners / FJORD_ADVERTISED_LISTENERS: needs --listeners',
    ],
    [
      ['--listeners', 'PLAINTEXT://127.0.0.1:7401', '--inter-broker-listener-name', 'INTERNAL'],
      'listener INTERNAL is not in --listeners (PLAINTEXT)',
    ],
    [['--listener-security-protocol-map', 'PLAINTEXT:TLS'], 'unknown security protocol "TLS"'],
  ])('refuses %j with a message naming the problem', (flags, message) => {
    const result = loadConfig(['--broker-id', '1', ...flags], {});
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.problems.join('\n')).toContain(message);
  });

  it('serves SSL, SASL_SSL and SASL_PLAINTEXT gRPC listeners, asking TLS ones for certificate files', () => {
    const flags = [
      '--broker-id',
      '1',
      '--listeners',
      'SSL://127.0.0.1:7401,SASL_SSL://127.0.0.1:7402,CLIENTS://127.0.0.1:7403',
      '--listener-security-protocol-map',
      'CLIENTS:SASL_PLAINTEXT',
    ];
    const missing = loadConfig(flags, {});
    expect(missing.kind === 'invalid' && missing.problems.join('\n')).toContain(
      '--ssl-certificate-file / FJORD_SSL_CERTIFICATE_FILE: is required by listener SSL, listener SASL_SSL',
    );
    const withFiles = loadConfig(
      [
        ...flags,
        '--ssl-certificate-file',
        __filename,
        '--ssl-key-file',
        __filename,
        '--ssl-ca-file',
        __filename,
      ],
      {},
    );
    expect(withFiles.kind === 'ok' && withFiles.config.listeners.map((l) => l.securityProtocol)).toEqual([
      'SSL',
      'SASL_SSL',
      'SASL_PLAINTEXT',
    ]);
    // Dialing other nodes defaults to the inter-broker listener's protocol (the first listener).
    expect(withFiles.kind === 'ok' && withFiles.config.securityInterBrokerProtocol).toBe('SSL');
  });

  it('takes protected Kafka listeners, and asks for the certificate files a TLS one needs', () => {
    const result = loadConfig(['--broker-id', '1', '--kafka-listeners', 'SASL_SSL://127.0.0.1:9092'], {});
    const problems = result.kind === 'invalid' ? result.problems.join('\n') : '';
    expect(problems).not.toContain('not yet supported');
    expect(problems).toMatch(/--ssl-certificate-file .*is required by listener SASL_SSL/);
    expect(problems).toMatch(/--ssl-key-file .*is required by listener SASL_SSL/);
  });
});
