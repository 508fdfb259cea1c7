import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { v1 } from '@fjord/protocol';
import {
  createScramCredential,
  type DevelopmentCertificateFiles,
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramCredentialStore,
  StandardAuthorizer,
  writeDevelopmentCertificates,
} from '@fjord/security';
import { type GrpcServerSecurity, serverSecurity } from '@fjord/server-kit';
import { Admin } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaApi } from './api.js';
import { apiVersionsApi } from './apis/api-versions.js';
import { metadataApi } from './apis/metadata.js';
import { saslAuthenticateApi, saslHandshakeApi } from './apis/sasl.js';
import type { KafkaDeps } from './kafka-deps.js';
import { type KafkaListener, startKafkaListener } from './kafka-server.js';
import { kafkaListenerSecurity } from './security/kafka-security-settings.js';

const { Kafka, logLevel } = kafkajs;
const logger = pino({ level: 'silent' });
const LISTENER = 'SASL_SSL';

/**
 * KafkaJS 2.2 and @platformatic/kafka logging in to a real SASL_SSL Kafka listener (TLS from development
 * certificates, SCRAM against a credential store, ACLs in a StandardAuthorizer), built from the
 * settings as the broker builds it (`serverSecurity` + `kafkaListenerSecurity`). Only the
 * coordinator behind Metadata is replaced, by a fixed topic list: the broker and its
 * coordinator run in tests/integration; this is about the client's view of the login.
 */
describe('Kafka clients against a SASL_SSL Kafka listener', () => {
  let dir: string;
  let certificates: DevelopmentCertificateFiles;
  let listener: KafkaListener;
  let port = 0;
  const shutdown = new AbortController();
  const store = new ScramCredentialStore();
  store.set('alice', createScramCredential(SCRAM_SHA_256, 'alice-secret'));
  store.set('alice', createScramCredential(SCRAM_SHA_512, 'alice-secret'));
  const authorizer = new StandardAuthorizer();
  authorizer.createAcls([
    {
      pattern: { resourceType: 'TOPIC', name: 'visible', patternType: 'PREFIXED' },
      entry: { principal: 'User:alice', host: '*', operation: 'DESCRIBE', permission: 'ALLOW' },
    },
  ]);

  const topic = (name: string): v1.TopicInfo__Output =>
    ({ name, errorCode: 0, topicId: '', partitions: [] }) as unknown as v1.TopicInfo__Output;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fjord-kafkajs-login-'));
    certificates = await writeDevelopmentCertificates(dir, { nodes: [{ name: 'broker-1' }] });
    const security: GrpcServerSecurity = serverSecurity(
      {
        sslCertificateFile: certificates.nodes['broker-1']!.certificate,
        sslKeyFile: certificates.nodes['broker-1']!.privateKey,
        sslCaFile: certificates.caCertificate,
        sslClientAuth: 'required',
        sslPrincipalMappingRules: 'DEFAULT',
        sslReloadIntervalMs: 30_000,
        saslEnabledMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
        authorizer: 'standard',
        superUsers: [],
        allowEveryoneIfNoAclFound: false,
        sessionTokenLifetimeMs: 600_000,
        securityInterBrokerProtocol: 'SSL',
        interBrokerSaslMechanism: 'SCRAM-SHA-512',
      },
      { authorizer: () => authorizer, scramCredential: store.lookup, brokerIdOf: () => undefined },
    );
    const coordinator = {
      getMetadata: async ({ topics }: { topics: string[] }) => ({
        clusterId: 'kafkajs-login',
        brokers: [
          {
            id: 1,
            alive: true,
            kafkaListeners: [{ name: LISTENER, host: '127.0.0.1', port, securityProtocol: LISTENER }],
          },
        ],
        topics: (topics.length > 0 ? topics : ['visible-a', 'hidden-b']).map(topic),
      }),
    };
    const deps = {
      coordinator,
      brokerId: 1,
      listenerName: LISTENER,
      advertisedHost: '127.0.0.1',
      get advertisedPort() {
        return port;
      },
    } as unknown as KafkaDeps;
    const apis: KafkaApi[] = [metadataApi(deps), saslHandshakeApi(), saslAuthenticateApi()];
    apis.push(apiVersionsApi(() => apis));
    listener = await startKafkaListener({
      name: LISTENER,
      host: '127.0.0.1',
      port: 0,
      apis: new Map(apis.map((api) => [api.apiKey, api])),
      logger,
      shutdownSignal: shutdown.signal,
      security: kafkaListenerSecurity(LISTENER, 'SASL_SSL', security),
    });
    port = listener.port;
  });
  afterAll(async () => {
    shutdown.abort();
    await listener?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const kafka = (mechanism: 'scram-sha-256' | 'scram-sha-512', password: string) =>
    new Kafka({
      clientId: 'kafkajs-login-test',
      brokers: [`127.0.0.1:${port}`],
      // No client certificate: --ssl-client-auth required applies to SSL listeners only (KIP-684).
      ssl: { ca: [readFileSync(certificates.caCertificate, 'utf8')] },
      sasl: { mechanism, username: 'alice', password } as kafkajs.SASLOptions,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });

  it.each(['scram-sha-256', 'scram-sha-512'] as const)(
    '%s: logs in and sees only the topics it may DESCRIBE',
    async (mechanism) => {
      const admin = kafka(mechanism, 'alice-secret').admin();
      await admin.connect();
      try {
        expect(await admin.listTopics()).toEqual(['visible-a']);
      } finally {
        await admin.disconnect();
      }
    },
  );

  it('@platformatic/kafka logs in with SCRAM-SHA-256 over TLS and lists what it may DESCRIBE', async () => {
    const admin = new Admin({
      clientId: 'platformatic-login-test',
      bootstrapBrokers: [`127.0.0.1:${port}`],
      tls: { ca: readFileSync(certificates.caCertificate, 'utf8') },
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' },
      retries: 0,
    });
    try {
      expect(await admin.listTopics()).toEqual(['visible-a']);
    } finally {
      await admin.close();
    }
  });

  it('a wrong password is KafkaJS’s SASL authentication error with Kafka’s message', async () => {
    const admin = kafka('scram-sha-256', 'wrong').admin();
    const error = await admin.connect().then(
      () => undefined,
      (e: Error & { retriable?: boolean }) => e,
    );
    expect(error?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error?.message).toBe(
      'SASL SCRAM SHA256 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
    );
    expect(error?.retriable).toBe(false);
  });
});
