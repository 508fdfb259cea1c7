import { join } from 'node:path';
import { Fjord, TopicAlreadyExistsError } from '@fjord/sdk';
import { randomName } from '@fjord/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
import { kcat, parseKcatRecords } from './kafka-clients.js';

// The README's docker-compose cluster, for real: the image is built and the three coordinators
// (one Raft quorum) and three brokers run in podman on the project's bridge network
// (docker-compose talks to podman through its Docker-compatible API socket, which
// .ci/podman-setup.sh starts). A client on the host uses only the published ports: the SDK
// (gRPC) and kcat (Kafka protocol). Published ports are picked at test time and the compose
// project is named per run, so nothing collides with other tests or another run; everything is
// removed afterwards, also when a step fails. One compose test runs a cluster at a time
// (compose-podman.ts, holdComposeSlot); compose-secure.test.ts runs the secure variant.

const missing = missingComposeTool;
const project = `fjord-compose-${process.pid}`;
/**
 * Client settings for a quorum whose leader can vanish: a killed container's published port
 * leaves open connections silent (nothing answers for its address), so a request to it gives
 * up after this instead of the SDK's 30 s default and the client asks the other voters.
 */
const FAILOVER_CLIENT = { requestTimeoutMs: 4_000, retry: { initialRetryMs: 50, maxRetryMs: 500 } };
/** Issue 14's bound on a failover seen by a client (the quorum failover test's too). */
const FAILOVER_BOUND_MS = 10_000;
const image = `localhost/fjord-compose-test:${process.pid}`;

describe.skipIf(missing)('the docker-compose cluster in podman, on a bridge network', () => {
  const coordinators = ['coordinator-1', 'coordinator-2', 'coordinator-3'];
  const brokers = ['broker-1', 'broker-2', 'broker-3'];
  const timings: Record<string, number> = {};
  const ports: Record<string, number> = {};
  const metricsPorts: Record<string, number> = {};
  let env: NodeJS.ProcessEnv;
  let pump: HealthPump | undefined;
  let fjord: Fjord | undefined;
  let composeUp = false;
  let imageBuilt = false;
  let slot: { release(): Promise<void> } | undefined;
  /** False until the cluster came up, and again once a test failed: then the logs are printed. */
  let allWell = false;

  /** Every coordinator's published gRPC address, in id order. */
  const coordinatorAddresses = () => coordinators.map((c) => `127.0.0.1:${ports[c]}`);
  const compose = (args: string[], timeoutMs = 180_000) =>
    run('docker-compose', ['-p', project, '-f', join(REPO, 'docker-compose.yml'), ...args], env, timeoutMs);
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const began = Date.now();
    try {
      return await work();
    } finally {
      timings[step] = Date.now() - began;
    }
  };

  beforeAll(async () => {
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
    // `up` waits for the coordinators' health checks (in touch with a majority) before it
    // starts the brokers.
    // On a loaded machine the health checks (run by the pump, one podman call each) lag well
    // behind the processes: give `up` room.
    await timed('compose up', () => compose(['up', '-d', '--no-build'], 420_000));
    await timed('cluster serving', () => waitServing(metricsPorts, [...coordinators, ...brokers], 120_000));
    // Every published coordinator port, so that the first contact survives a killed leader; the
    // coordinators answer the others' EXTERNAL (published) addresses, checked below.
    fjord = new Fjord({ bootstrap: coordinatorAddresses(), clientId: 'compose-test', ...FAILOVER_CLIENT });
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
    console.log(`compose test timings (ms): ${JSON.stringify(timings)}`);
  }, 180_000);

  it('tells a client on the host the published addresses, and it produces and reads through them', async () => {
    const cluster = await fjord!.admin().describeCluster();
    const quorum = await fjord!.admin().describeQuorum();
    // Asked through EXTERNAL: every voter's EXTERNAL (published) address, not the service names.
    expect(quorum.coordinators.map((c) => c.address)).toEqual(coordinatorAddresses());
    expect(quorum.leaderId).toBeGreaterThan(0);
    // The leader tells a client on the host its EXTERNAL (published) address.
    expect(cluster.coordinator).toBe(`127.0.0.1:${ports[`coordinator-${quorum.leaderId}`]}`);
    expect(cluster.brokers.map((b) => [b.id, `${b.host}:${b.port}`, b.alive])).toEqual(
      [1, 2, 3].map((id) => [id, `127.0.0.1:${ports[`broker-${id}`]}`, true]),
    );

    const topic = randomName('compose');
    await fjord!.admin().createTopics([{ name: topic, partitions: 3, replicationFactor: 3 }]);
    const producer = fjord!.producer({ acks: -1 });
    await producer.send({ topic, messages: range(0, 30).map((i) => ({ key: `k${i}`, value: `sdk-${i}` })) });
    await producer.close();

    // kcat bootstraps from one broker's published Kafka port and must be told the others'.
    const kafkaBootstrap = `127.0.0.1:${ports['broker-1-kafka']}`;
    const metadata = JSON.parse(await kcat(['-b', kafkaBootstrap, '-L', '-J'])) as {
      brokers: Array<{ id: number; name: string }>;
    };
    expect(metadata.brokers.map((b) => [b.id, b.name]).sort()).toEqual(
      [1, 2, 3].map((id) => [id, `127.0.0.1:${ports[`broker-${id}-kafka`]}`]),
    );
    await kcat(
      ['-b', kafkaBootstrap, '-P', '-t', topic, '-p', '1', '-X', 'acks=all'],
      `${range(0, 10)
        .map((i) => `kcat-${i}`)
        .join('\n')}\n`,
    );
    const viaKafka = parseKcatRecords(
      await kcat(['-b', kafkaBootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J']),
    );
    expect(viaKafka.map((r) => r.payload).sort()).toEqual(
      [...range(0, 30).map((i) => `sdk-${i}`), ...range(0, 10).map((i) => `kcat-${i}`)].sort(),
    );

    // Replicated on every broker over the INTERNAL listener: each ISR holds all three.
    const [described] = await fjord!.admin().describeTopics([topic]);
    for (const p of described!.partitions) expect([...p.isr].sort()).toEqual([1, 2, 3]);
  });

  it('a broker container restarts and keeps its data', async () => {
    const topic = randomName('compose-kept');
    // One replica per partition: after the restart, only the restarted broker's volume has them.
    await fjord!.admin().createTopics([{ name: topic, partitions: 3, replicationFactor: 1 }]);
    const [described] = await fjord!.admin().describeTopics([topic]);
    const partition = described!.partitions[0]!;
    const restarted = `broker-${partition.leader}`;
    const producer = fjord!.producer({ acks: -1 });
    await producer.send({
      topic,
      messages: range(0, 20).map((i) => ({ value: `kept-${i}`, partition: partition.partition })),
    });
    await producer.close();

    await timed('broker restart', async () => {
      // The old process is gone once `restart` returns: a 200 now comes from the new one.
      await compose(['restart', '-t', '30', restarted]);
      await waitServing(metricsPorts, [restarted], 120_000);
    });
    const consumer = fjord!.consumer({ autoOffsetReset: 'earliest' });
    await consumer.assign([{ topic, partition: partition.partition }]);
    const records = await pollUntil(consumer, 20, 60_000);
    await consumer.close();
    expect(records.map((r) => r.value?.toString())).toEqual(range(0, 20).map((i) => `kept-${i}`));
  });

  it('the quorum leader container killed: a new idempotent producer is acked and a topic is created, then it rejoins', async () => {
    const { leaderId } = await fjord!.admin().describeQuorum();
    const leader = `coordinator-${leaderId}`;
    expect(coordinators).toContain(leader);
    const topic = randomName('compose-failover');

    await compose(['kill', '-s', 'SIGKILL', leader]);
    const killedAt = Date.now();
    // A client that never met the quorum: it has only the published ports, one of them dead.
    const fresh = new Fjord({
      bootstrap: coordinatorAddresses(),
      clientId: 'compose-failover',
      ...FAILOVER_CLIENT,
    });
    try {
      // An attempt whose answer was lost in the failover may have been applied; the retry then
      // finds the topic (its name is this run's own): created all the same, as with Kafka.
      await fresh
        .admin()
        .createTopics([{ name: topic, partitions: 3, replicationFactor: 3 }])
        .catch((error: unknown) => {
          if (!(error instanceof TopicAlreadyExistsError)) throw error;
        });
      const topicCreatedMs = Date.now() - killedAt;
      const [created] = await fresh.admin().describeTopics([topic]);
      expect(created!.partitions).toHaveLength(3);
      // Idempotent by default: its producer id comes from the new leader.
      const producer = fresh.producer({ acks: -1, deliveryTimeoutMs: FAILOVER_BOUND_MS });
      await producer.send({ topic, messages: range(0, 10).map((i) => ({ value: `after-${i}` })) });
      await producer.close();
      const producerAckedMs = Date.now() - killedAt;
      Object.assign(timings, {
        'failover: topic created': topicCreatedMs,
        'failover: producer acked': producerAckedMs,
      });
      expect(topicCreatedMs).toBeLessThan(FAILOVER_BOUND_MS);
      expect(producerAckedMs).toBeLessThan(FAILOVER_BOUND_MS);
      const after = await fresh.admin().describeQuorum();
      expect(after.leaderId).not.toBe(leaderId);

      const consumer = fresh.consumer({ autoOffsetReset: 'earliest' });
      await consumer.assign(range(0, 3).map((partition) => ({ topic, partition })));
      const records = await pollUntil(consumer, 10, 60_000);
      await consumer.close();
      expect(records.map((r) => r.value?.toString()).sort()).toEqual(range(0, 10).map((i) => `after-${i}`));
    } finally {
      await fresh.close();
    }

    // Back from its own volume, the killed voter catches up and is in touch with the quorum again.
    await timed('killed voter started', () => compose(['start', leader]));
    await timed('killed voter serving', () => waitServing(metricsPorts, [leader], 120_000));
    const quorum = await fjord!.admin().describeQuorum();
    expect(quorum.coordinators.map((c) => c.id)).toEqual([1, 2, 3]);
  });
});
