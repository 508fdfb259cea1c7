import { helpText, loadConfig as loadSettings } from '@fjord/server-kit';
import { describe, expect, it } from 'vitest';
import { COORDINATOR_CONFIG_SCHEMA, COORDINATOR_SETTINGS } from './config-schema.js';

const loadConfig = (argv: string[], env: NodeJS.ProcessEnv) =>
  loadSettings({ settings: COORDINATOR_SETTINGS, schema: COORDINATOR_CONFIG_SCHEMA, argv, env });

describe('loadConfig', () => {
  it('fills in the documented defaults', () => {
    expect(loadConfig([], {})).toEqual({
      kind: 'ok',
      printConfig: false,
      config: {
        host: '127.0.0.1',
        listeners: [
          {
            name: 'PLAINTEXT',
            host: '127.0.0.1',
            port: 7400,
            advertisedHost: '127.0.0.1',
            securityProtocol: 'PLAINTEXT',
          },
        ],
        nodeId: 1,
        voters: null,
        dataDir: './.fjord/coordinator',
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 2_000,
        leaderImbalanceCheckIntervalMs: 30_000,
        groupHeartbeatIntervalMs: 500,
        snapshotEveryRecords: 1_000,
        metricsPort: 9400,
        maxRequestBytes: 8 * 1024 * 1024,
        maxConcurrentStreams: 100,
        sslClientAuth: 'none',
        sslPrincipalMappingRules: 'DEFAULT',
        sslReloadIntervalMs: 30_000,
        saslEnabledMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
        authorizer: 'none',
        allowEveryoneIfNoAclFound: false,
        sessionTokenLifetimeMs: 600_000,
        securityInterBrokerProtocol: 'PLAINTEXT',
        interBrokerSaslMechanism: 'SCRAM-SHA-512',
        addScram: [],
        maxGroupsPerPrincipal: 10_000,
        maxGroupMembersPerPrincipal: 100_000,
        maxProducerIdsPerPrincipalPerMinute: 100_000,
        logLevel: 'info',
      },
    });
  });

  it('takes flags over FJORD_* env over defaults', () => {
    const result = loadConfig(['--port', '0', '--advertised-host=fjord.example', '--metrics-port', '-1'], {
      FJORD_PORT: '9000',
      FJORD_HOST: '0.0.0.0',
      FJORD_SESSION_TIMEOUT_MS: '3000',
      FJORD_METRICS_PORT: '0',
    });
    expect(result).toMatchObject({
      kind: 'ok',
      config: {
        listeners: [{ name: 'PLAINTEXT', host: '0.0.0.0', port: 0, advertisedHost: 'fjord.example' }],
        host: '0.0.0.0',
        sessionTimeoutMs: 3000,
        metricsPort: -1,
      },
    });
    expect(loadConfig([], { FJORD_METRICS_PORT: '0' })).toMatchObject({ config: { metricsPort: 0 } });
  });

  it('reports every problem with its key', () => {
    const result = loadConfig(
      ['--port', 'abc', '--log-level', 'loud', '--nope', '1', '--metrics-port', '-2'],
      {
        FJORD_SESSION_TIMEOUT_MS: '-5',
      },
    );
    expect(result.kind).toBe('invalid');
    const problems = result.kind === 'invalid' ? result.problems.join('\n') : '';
    expect(problems).toMatch(/--port.*whole number.*"abc"/);
    expect(problems).toMatch(/--log-level/);
    expect(problems).toMatch(/--session-timeout-ms.*FJORD_SESSION_TIMEOUT_MS/);
    expect(problems).toMatch(/--nope: unknown flag/);
    expect(problems).toMatch(/--metrics-port.*must be >= -1/);
  });

  it('refuses a heartbeat interval that is not below the session timeout', () => {
    const result = loadConfig(['--heartbeat-interval-ms', '5000', '--session-timeout-ms', '5000'], {});
    expect(result.kind === 'invalid' && result.problems[0]).toMatch(/--heartbeat-interval-ms/);
  });

  it('recognises --help, whose text states the schema defaults', () => {
    expect(loadConfig(['--help'], {})).toEqual({ kind: 'help' });
    const help = helpText({ command: 'fjord-coordinator', summary: '', settings: COORDINATOR_SETTINGS });
    expect(help).toMatch(/--session-timeout-ms <value> .*\(default 10000\)\n +env FJORD_SESSION_TIMEOUT_MS/);
    expect(help).toMatch(/--metrics-port <value> .*-1 = off \(default 9400\)/);
  });

  it('takes named listeners, and refuses them together with --port', () => {
    const result = loadConfig(
      [
        '--listeners',
        'INTERNAL://0.0.0.0:7400,EXTERNAL://0.0.0.0:7500',
        '--advertised-listeners',
        'INTERNAL://coordinator:7400,EXTERNAL://127.0.0.1:17400',
        '--listener-security-protocol-map',
        'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT',
      ],
      {},
    );
    expect(result).toMatchObject({
      kind: 'ok',
      config: {
        listeners: [
          {
            name: 'INTERNAL',
            host: '0.0.0.0',
            port: 7400,
            advertisedHost: 'coordinator',
            advertisedPort: 7400,
          },
          {
            name: 'EXTERNAL',
            host: '0.0.0.0',
            port: 7500,
            advertisedHost: '127.0.0.1',
            advertisedPort: 17400,
          },
        ],
      },
    });
    const both = loadConfig(['--listeners', 'PLAINTEXT://127.0.0.1:7400', '--advertised-host', 'h'], {});
    expect(both.kind === 'invalid' && both.problems).toEqual([
      expect.stringContaining(
        '--advertised-host / FJORD_ADVERTISED_HOST: cannot be combined with --listeners',
      ),
    ]);
  });

  it('reads the quorum from --node-id and --voters (or FJORD_NODE_ID and FJORD_VOTERS)', () => {
    const voters = '1@10.0.0.1:7400, 2@10.0.0.2:7400,3@[::1]:7402';
    expect(loadConfig(['--node-id', '2', '--voters', voters], {})).toMatchObject({
      kind: 'ok',
      config: {
        nodeId: 2,
        voters: [
          { id: 1, address: '10.0.0.1:7400' },
          { id: 2, address: '10.0.0.2:7400' },
          { id: 3, address: '[::1]:7402' },
        ],
      },
    });
    expect(loadConfig([], { FJORD_NODE_ID: '3', FJORD_VOTERS: voters })).toMatchObject({
      config: { nodeId: 3, voters: [{ id: 1 }, { id: 2 }, { id: 3 }] },
    });
    expect(loadConfig([], {})).toMatchObject({ config: { nodeId: 1, voters: null } });
  });

  it.each([
    [['--voters', '1@a:1,2@b:2'], /--voters.*must list 1, 3, 5 voters, not 2/],
    [['--voters', '1@a:1,2@b:2,2@c:3'], /--voters.*lists voter id 2 twice/],
    [['--voters', '1@a:1,2@a:1,3@c:3'], /--voters.*lists address a:1 for two voters/],
    [['--voters', '1@a:1,b:2,3@c:3'], /--voters.*entry "b:2" must be id@host:port/],
    [['--voters', '1@a,2@b:2,3@c:3'], /--voters.*entry "1@a" must be id@host:port/],
    [['--voters', '0@a:1'], /--voters.*entry "0@a:1" must be id@host:port with an id >= 1/],
    [
      ['--node-id', '4', '--voters', '1@a:1,2@b:2,3@c:3'],
      /--node-id.*must be one of the voter ids in --voters \(1, 2, 3\)/,
    ],
    [['--node-id', '0'], /--node-id.*must be >= 1/],
  ])('refuses the quorum %j, naming the problem', (argv, problem) => {
    const result = loadConfig(argv, {});
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.problems.join('\n')).toMatch(problem);
  });
});
