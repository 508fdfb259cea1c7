import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { AuthenticationError, ConnectionError, Fjord } from '@fjord/sdk';
import { randomName, waitFor } from '@fjord/testkit';
import kafkajs from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildImage,
  COMPOSE_SETUP_TIMEOUT_MS,
  COMPOSE_SLOT_WAIT_MS,
  composePorts,
  containerSocket,
  HealthPump,
  holdComposeSlot,
  missingComposeTool,
  REPO,
  run,
  waitServing,
} from './compose-podman.js';
import { pollUntil, range } from './helpers.js';
import { kcat } from './kafka-clients.js';
import { missingTool } from './required-tool.js';

const { Kafka, logLevel } = kafkajs;

// docker-compose.secure.yml on top of docker-compose.yml, for real in podman, as the plain
// cluster is in compose-cluster.test.ts (whose helpers, image and one-cluster-at-a-time slot
// this shares): the one-shot `certs` service writes the CA, node certificates and the admin
// login with the image's `fjord certs`; every node then runs TLS on every link (INTERNAL: mTLS
// between the nodes, by service name; EXTERNAL: SASL_SSL, published on 127.0.0.1), SCRAM and
// the standard authorizer. A client on the host takes client.json out of the certs volume, as
// the docs say, and connects with it alone; clients without a login are refused. Kept short
// (one cluster start, no restarts) to bound its CI time.

const project = `fjord-secure-${process.pid}`;
const image = `localhost/fjord-compose-test:${process.pid}`;
const COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.secure.yml'].flatMap((file) => [
  '-f',
  join(REPO, file),
]);
/**
 * Short request bounds for the clients that are to be refused: they should fail within seconds,
 * not the SDK's 30 s. The admin's client keeps the SDK's defaults: on a loaded machine the
 * quorum may hold an election or two while the cluster settles (seen: NOT_COORDINATOR for
 * more than 5 s), which a client rides out within its request timeout.
 */
const QUICK_CLIENT = { requestTimeoutMs: 5_000, retry: { initialRetryMs: 50, maxRetryMs: 500 } };

interface ClientJson {
  bootstrap: string[];
  ssl: { ca: string };
  sasl: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/** The certificate a TLS server at `port` on 127.0.0.1 presents, checked against `ca`. */
function peerCertificate(port: number, ca: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      resolve(certificate);
    });
    socket.once('error', reject);
  });
}

describe.skipIf(missingComposeTool)('the secure docker-compose cluster in podman (TLS, SCRAM, ACLs)', () => {
  const coordinators = ['coordinator-1', 'coordinator-2', 'coordinator-3'];
  const brokers = ['broker-1', 'broker-2', 'broker-3'];
  const timings: Record<string, number> = {};
  const ports: Record<string, number> = {};
  const metricsPorts: Record<string, number> = {};
  let env: NodeJS.ProcessEnv;
  let pump: HealthPump | undefined;
  let slot: { release(): Promise<void> } | undefined;
  let client: ClientJson;
  let fjord: Fjord | undefined;
  let composeUp = false;
  let imageBuilt = false;
  let allWell = false;
  let scratch = '';

  const compose = (args: string[], timeoutMs = 180_000) =>
    run('docker-compose', ['-p', project, ...COMPOSE_FILES, ...args], env, timeoutMs);
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const began = Date.now();
    try {
      return await work();
    } finally {
      timings[step] = Date.now() - began;
    }
  };
  const coordinatorAddresses = () => coordinators.map((c) => `127.0.0.1:${ports[c]}`);

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'fjord-compose-secure-'));
    const socket = containerSocket();
    const published = await composePorts();
    Object.assign(ports, published.ports);
    Object.assign(metricsPorts, published.metricsPorts);
    env = { DOCKER_HOST: socket, FJORD_IMAGE: image, ...published.env };
    slot = await timed('waiting for the compose slot', () => holdComposeSlot(COMPOSE_SLOT_WAIT_MS));
    await timed('image build', () => buildImage(image));
    imageBuilt = true;
    pump = new HealthPump(project);
    composeUp = true;
    await timed('compose up', () => compose(['up', '-d', '--no-build'], 420_000));
    await timed('cluster serving', () => waitServing(metricsPorts, [...coordinators, ...brokers], 120_000));
    // What the docs tell a user to run to get the client options out of the certs volume.
    const printed = await compose([
      'run',
      '--rm',
      '--no-deps',
      '-T',
      '--entrypoint',
      'cat',
      'certs',
      '/certs/client.json',
    ]);
    client = JSON.parse(printed.stdout) as ClientJson;
    fjord = new Fjord({ ...client, clientId: 'compose-secure' });
    allWell = true;
  }, COMPOSE_SETUP_TIMEOUT_MS);

  afterEach((context) => {
    if (context.task.result?.state === 'fail') allWell = false;
  });

  afterAll(async () => {
    await fjord?.close();
    await pump?.stop();
    if (composeUp) {
      const logs = await compose(['logs', '--no-color', '--tail', '40']).catch((e: Error) => ({
        stdout: e.message,
      }));
      if (!allWell) console.log(logs.stdout);
      await timed('compose down', () =>
        compose(['down', '-v', '--remove-orphans', '-t', '10']).catch(() => undefined),
      );
    }
    if (imageBuilt) await run('podman', ['rmi', image]).catch(() => undefined);
    await slot?.release();
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
    console.log(`secure compose test timings (ms): ${JSON.stringify(timings)}`);
  }, 180_000);

  it('client.json bootstraps from the published ports and logs in as admin over TLS; the nodes present certificates of its CA', async () => {
    expect(client.bootstrap).toEqual(coordinatorAddresses());
    expect(client.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'admin' });
    expect(client.sasl.password.length).toBeGreaterThanOrEqual(24);
    const ca = new X509Certificate(client.ssl.ca);
    for (const service of [...coordinators, ...brokers]) {
      const presented = await peerCertificate(ports[service]!, client.ssl.ca);
      expect(presented.subject).toMatchObject({ CN: service, OU: 'nodes' });
      // The service name is what its peers on the network dial and check; 127.0.0.1 is what the host dials.
      expect(presented.subjectaltname).toContain(`DNS:${service}`);
      expect(presented.subjectaltname).toContain('IP Address:127.0.0.1');
      expect(new X509Certificate(presented.raw).checkIssued(ca)).toBe(true);
    }
  });

  it('a host client with client.json produces and reads through the published ports, replicated over mTLS', async () => {
    const cluster = await fjord!.admin().describeCluster();
    expect(cluster.brokers.map((b) => [b.id, `${b.host}:${b.port}`, b.alive])).toEqual(
      [1, 2, 3].map((id) => [id, `127.0.0.1:${ports[`broker-${id}`]}`, true]),
    );
    const topic = randomName('secure-compose');
    await fjord!.admin().createTopics([{ name: topic, partitions: 3, replicationFactor: 3 }]);
    const producer = fjord!.producer({ acks: -1 });
    await producer.send({ topic, messages: range(0, 30).map((i) => ({ key: `k${i}`, value: `sdk-${i}` })) });
    await producer.close();
    const consumer = fjord!.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign(range(0, 3).map((partition) => ({ topic, partition })));
    const records = await pollUntil(consumer, 30, 60_000);
    await consumer.close();
    expect(records.map((r) => r.value?.toString()).sort()).toEqual(
      range(0, 30)
        .map((i) => `sdk-${i}`)
        .sort(),
    );
    // acks=-1 on RF=3: the followers fetched over INTERNAL (SSL, node certificates) and are in sync.
    const [described] = await fjord!.admin().describeTopics([topic]);
    for (const p of described!.partitions) expect([...p.isr].sort()).toEqual([1, 2, 3]);

    // A Kafka client over the published Kafka port: SASL_SSL with the same login and CA. (KafkaJS:
    // librdkafka's SCRAM, kcat's, is refused by the Kafka listener as invalid credentials; see
    // docs/SECURITY.md, Open.)
    const kafka = new Kafka({
      clientId: 'compose-secure-kafka',
      brokers: [`127.0.0.1:${ports['broker-1-kafka']}`],
      ssl: { ca: [client.ssl.ca] },
      sasl: { mechanism: 'scram-sha-512', username: client.sasl.username, password: client.sasl.password },
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 200 },
    });
    const kafkaProducer = kafka.producer();
    await kafkaProducer.connect();
    await kafkaProducer.send({
      topic,
      acks: -1,
      messages: range(0, 10).map((i) => ({ value: `kafka-${i}`, partition: 1 })),
    });
    await kafkaProducer.disconnect();
    // A consumer group is at least once: a rebalance (the quorum may hold an election while a
    // loaded machine settles) hands records out again, so what counts is that each one arrives.
    const viaKafka = new Set<string>();
    const expected = [...range(0, 30).map((i) => `sdk-${i}`), ...range(0, 10).map((i) => `kafka-${i}`)];
    const kafkaConsumer = kafka.consumer({ groupId: randomName('compose-secure-group') });
    try {
      await kafkaConsumer.connect();
      await kafkaConsumer.subscribe({ topic, fromBeginning: true });
      await kafkaConsumer.run({
        eachMessage: async ({ message }) => {
          viaKafka.add(message.value?.toString() ?? '');
        },
      });
      await waitFor(() => expected.every((value) => viaKafka.has(value)), {
        timeoutMs: 60_000,
        message: () => `all 40 records read through the Kafka listener (got ${viaKafka.size} distinct)`,
      });
    } finally {
      await kafkaConsumer.disconnect();
    }
    expect([...viaKafka].sort()).toEqual(expected.sort());
  });

  it('refuses a client without a login, with a wrong password, or without TLS', async () => {
    const refusal = async (options: ConstructorParameters<typeof Fjord>[0]) => {
      const other = new Fjord({ ...options, clientId: 'compose-secure-refused', ...QUICK_CLIENT });
      try {
        return await other
          .admin()
          .describeCluster()
          .then(
            () => undefined,
            (error: unknown) => error,
          );
      } finally {
        await other.close();
      }
    };
    const noLogin = await refusal({ bootstrap: client.bootstrap, ssl: client.ssl });
    expect(noLogin).toBeInstanceOf(AuthenticationError);
    const wrongPassword = await refusal({
      ...client,
      sasl: { ...client.sasl, password: `${client.sasl.password}x` },
    });
    expect(wrongPassword).toBeInstanceOf(AuthenticationError);
    expect((wrongPassword as Error).message).not.toContain(client.sasl.password);
    const plaintext = await refusal({ bootstrap: client.bootstrap });
    expect(plaintext).toBeInstanceOf(ConnectionError);

    // A Kafka client without SASL (kcat over TLS) gets no metadata from the published Kafka port.
    const kafkaBootstrap = `127.0.0.1:${ports['broker-1-kafka']}`;
    const caFile = join(scratch, 'ca-refused.pem');
    writeFileSync(caFile, client.ssl.ca);
    await expect(
      kcat(
        [
          '-b',
          kafkaBootstrap,
          '-X',
          'security.protocol=SSL',
          '-X',
          `ssl.ca.location=${caFile}`,
          '-L',
          '-m',
          '5',
        ],
        undefined,
        20_000,
      ),
    ).rejects.toThrow();
  });
});

const ENTRY: Record<string, string> = {
  'coordinator/dist/main.js': join(REPO, 'apps', 'coordinator', 'dist', 'main.js'),
  'broker/dist/main.js': join(REPO, 'apps', 'broker', 'dist', 'main.js'),
  'cli/dist/main.js': join(REPO, 'packages', 'cli', 'dist', 'main.js'),
};
const noCompose = missingTool('docker-compose', 'apt-get install docker-compose');

// Without podman: what docker-compose makes of the two files, each service's command and
// environment run here against the files `fjord certs` writes, with /certs moved to a folder.
describe.skipIf(noCompose)('docker-compose.secure.yml, as docker-compose merges it', () => {
  let certs = '';
  beforeAll(() => {
    certs = mkdtempSync(join(tmpdir(), 'fjord-compose-secure-config-'));
  });
  afterAll(() => {
    if (certs !== '') rmSync(certs, { recursive: true, force: true });
  });

  it('the certs service writes what every node names, and every node passes its schema with TLS on every listener', () => {
    const config = spawnSync('docker-compose', [...COMPOSE_FILES, 'config'], { encoding: 'utf8' });
    expect({ status: config.status, stderr: config.stderr }).toMatchObject({ status: 0 });
    const services = parse(config.stdout).services as Record<
      string,
      { command: string[]; environment?: Record<string, string>; volumes?: string[] }
    >;
    // `config` writes a literal $ as $$ again; the containers get one.
    const local = (value: string) => value.replaceAll('$$', '$').replaceAll('/certs', certs);
    const [entry, ...args] = services.certs!.command;
    const made = spawnSync(process.execPath, [ENTRY[entry!]!, ...args.map(local)], { encoding: 'utf8' });
    expect({ status: made.status, stderr: made.stderr }).toEqual({ status: 0, stderr: '' });

    const nodes = Object.keys(services).filter((name) => name !== 'certs');
    expect(nodes.sort()).toEqual([
      'broker-1',
      'broker-2',
      'broker-3',
      'coordinator-1',
      'coordinator-2',
      'coordinator-3',
    ]);
    for (const name of nodes) {
      const service = services[name]!;
      expect(service.volumes).toContain('certs:/certs:ro');
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([key, value]) => [key, local(String(value))]),
      );
      const [main, ...rest] = service.command;
      const run = spawnSync(process.execPath, [ENTRY[main!]!, ...rest, '--print-config'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: 20_000,
      });
      expect({ name, status: run.status, stderr: run.stderr }).toEqual({ name, status: 0, stderr: '' });
      const effective = JSON.parse(run.stdout) as {
        listeners: { name: string; securityProtocol: string }[];
        kafkaListeners?: { name: string; securityProtocol: string }[];
        sslClientAuth: string;
        authorizer: string;
        securityInterBrokerProtocol: string;
        sslCertificateFile: string;
        addScram?: unknown[];
      };
      for (const listeners of [effective.listeners, effective.kafkaListeners ?? []]) {
        for (const listener of listeners) {
          expect({ name, listener: listener.name, protocol: listener.securityProtocol }).toEqual({
            name,
            listener: listener.name,
            protocol: listener.name === 'INTERNAL' ? 'SSL' : 'SASL_SSL',
          });
        }
      }
      expect(effective).toMatchObject({
        sslClientAuth: 'required',
        authorizer: 'standard',
        securityInterBrokerProtocol: 'SSL',
        sslCertificateFile: join(certs, `${name}.pem`),
      });
      // Each node's own certificate, named after its service (what its peers dial).
      const certificate = new X509Certificate(readFileSync(join(certs, `${name}.pem`)));
      expect(certificate.subject).toContain(`CN=${name}`);
      expect(certificate.subjectAltName).toContain(`DNS:${name}`);
      // The coordinators create the admin from the config file the certs service wrote.
      if (name.startsWith('coordinator')) expect(effective.addScram).toHaveLength(1);
    }
  });
});
