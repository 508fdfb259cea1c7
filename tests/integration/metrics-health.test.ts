import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HealthClient } from '@fjord/observability';
import { loadFjordProto, type v1 } from '@fjord/protocol';
import { Fjord } from '@fjord/sdk';
import { type Cluster, type NodeProcess, randomName, startCluster, waitFor } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, range } from './helpers.js';
import { metric, scrape } from './metrics.js';

const HEALTHCHECK = fileURLToPath(new URL('../../docker/healthcheck.mjs', import.meta.url));

/** Exit status of the container health check script against a node's metrics port. */
function containerHealthcheck(node: NodeProcess): number | null {
  return spawnSync(process.execPath, [HEALTHCHECK, String(node.metricsPort)], { timeout: 10_000 }).status;
}

async function healthz(node: NodeProcess): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${node.metricsUrl}/healthz`);
  return { status: response.status, body: await response.json() };
}

describe('metrics and health', () => {
  let cluster: Cluster;
  let fjord: Fjord;

  beforeAll(async () => {
    // A long broker session: the shutdown test pauses the coordinator for a moment.
    cluster = await startCluster({ brokers: 2, sessionTimeoutMs: 10_000 });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'metrics-health-test' });
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
  });

  it('every process serves /healthz, /metrics and the gRPC health service, SERVING once started', async () => {
    const nodes: Array<[NodeProcess, string[]]> = [
      [
        cluster.coordinator,
        ['fjord.v1.CoordinatorService', 'fjord.v1.GroupCoordinatorService', 'fjord.v1.ProducerIdService'],
      ],
      ...cluster.brokers.map((b): [NodeProcess, string[]] => [b, ['fjord.v1.BrokerService']]),
    ];
    for (const [node, services] of nodes) {
      expect(node.metricsPort).toBeGreaterThan(0);
      expect(await healthz(node)).toEqual({ status: 200, body: { status: 'SERVING' } });
      expect(containerHealthcheck(node)).toBe(0);
      const health = new HealthClient(node.address);
      try {
        for (const service of ['', ...services]) expect(await health.check(service)).toBe('SERVING');
        await expect(health.check('fjord.v1.Unknown')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      } finally {
        health.close();
      }
      const samples = await scrape(node);
      expect(metric(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(metric(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    }
    const coordinator = await scrape(cluster.coordinator);
    expect(metric(coordinator, 'fjord_coordinator_brokers', { state: 'live' })).toBe(2);
    expect(metric(coordinator, 'fjord_coordinator_brokers', { state: 'fenced' })).toBe(0);
    expect(
      metric(coordinator, 'fjord_coordinator_requests_total', { api: 'RegisterBroker', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('the leader counts produce and fetch requests, bytes in and out, latency, and reports its partition logs', async () => {
    const topic = randomName('metrics');
    const admin = fjord.admin();
    await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 2 }]);
    const [described] = await admin.describeTopics([topic]);
    const leader = cluster.broker(described!.partitions[0]!.leader);
    const before = await scrape(leader);

    const values = range(0, 20).map((i) => `value-${i}-${'x'.repeat(100)}`);
    const payloadBytes = values.reduce((sum, v) => sum + v.length, 0);
    const producer = fjord.producer({ acks: 'all' });
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
    await producer.close();
    const reader = fjord.consumer({ autoOffsetReset: 'earliest' });
    await reader.assign([{ topic, partition: 0 }]);
    expect((await pollUntil(reader, 20)).map((r) => r.value?.toString())).toEqual(values);
    await reader.close();

    // A request refused as a whole is counted under its Fjord error name.
    const { BrokerService } = loadFjordProto().fjord.v1;
    const raw = new BrokerService(leader.address, grpc.credentials.createInsecure());
    const refused = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.produce({ acks: 5, timeoutMs: 1000, topics: [] } satisfies v1.ProduceRequest, (error) =>
        resolve(error),
      ),
    );
    raw.close();
    expect(refused?.code).toBe(grpc.status.INVALID_ARGUMENT);

    const after = await scrape(leader);
    const moved = (name: string, labels: Record<string, string> = {}) =>
      (metric(after, name, labels) ?? 0) - (metric(before, name, labels) ?? 0);
    expect(moved('fjord_broker_requests_total', { api: 'Produce', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(moved('fjord_broker_requests_total', { api: 'Produce', outcome: 'INVALID_REQUIRED_ACKS' })).toBe(
      1,
    );
    expect(moved('fjord_broker_requests_total', { api: 'Fetch', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(moved('fjord_broker_request_duration_seconds_count', { api: 'Produce' })).toBeGreaterThanOrEqual(
      2,
    );
    expect(moved('fjord_broker_request_duration_seconds_sum', { api: 'Produce' })).toBeGreaterThan(0);
    expect(moved('fjord_broker_request_duration_seconds_count', { api: 'Fetch' })).toBeGreaterThanOrEqual(1);
    // Record batches carry headers and per-record overhead: at least the payload went in and out.
    expect(moved('fjord_broker_bytes_in_total')).toBeGreaterThanOrEqual(payloadBytes);
    expect(moved('fjord_broker_bytes_out_total', { client: 'consumer' })).toBeGreaterThanOrEqual(
      payloadBytes,
    );
    // The follower copied the batch (acks=all waited for it).
    expect(moved('fjord_broker_bytes_out_total', { client: 'follower' })).toBeGreaterThanOrEqual(
      payloadBytes,
    );

    const partition = { topic, partition: '0' };
    expect(metric(after, 'fjord_broker_log_end_offset', partition)).toBe(20);
    expect(metric(after, 'fjord_broker_high_watermark', partition)).toBe(20);
    expect(metric(after, 'fjord_broker_log_start_offset', partition)).toBe(0);
    expect(metric(after, 'fjord_broker_log_size_bytes', partition)).toBeGreaterThanOrEqual(payloadBytes);
    expect(metric(after, 'fjord_broker_leader_partitions')).toBeGreaterThanOrEqual(1);
    expect(metric(after, 'fjord_broker_partitions')).toBeGreaterThanOrEqual(1);
    expect(metric(after, 'fjord_broker_under_replicated_partitions')).toBe(0);
    expect(metric(after, 'fjord_broker_isr_changes_total', { change: 'shrink' })).toBe(0);
    // The follower hosts the replica too, and reports its own copy of the log.
    const follower = cluster.brokers.find((b) => b !== leader)!;
    await waitFor(
      async () => metric(await scrape(follower), 'fjord_broker_log_end_offset', partition) === 20,
      {
        message: 'the follower to report log end offset 20',
      },
    );

    const coordinator = await scrape(cluster.coordinator);
    expect(
      metric(coordinator, 'fjord_coordinator_requests_total', { api: 'CreateTopics', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metric(coordinator, 'fjord_coordinator_request_duration_seconds_count', { api: 'GetMetadata' }),
    ).toBeGreaterThanOrEqual(1);
    expect(metric(coordinator, 'fjord_coordinator_partitions')).toBeGreaterThanOrEqual(1);
    expect(metric(coordinator, 'fjord_coordinator_offline_partitions')).toBe(0);
  });

  it('the coordinator reports a group, its members, rebalances and lag after a commit', async () => {
    const topic = randomName('lag');
    const groupId = randomName('metrics-group');
    await fjord.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 2 }]);
    const producer = fjord.producer({ acks: 'all' });
    await producer.send({ topic, messages: range(0, 10).map((i) => ({ value: `a${i}` })) });
    const consumer = fjord.consumer({ groupId, autoOffsetReset: 'earliest', autoCommit: false });
    try {
      await consumer.subscribe([topic]);
      expect(await pollUntil(consumer, 10)).toHaveLength(10);
      await consumer.commit({ offsets: [{ topic, partition: 0, offset: 10n }] });
      // Five more records the group has not read: its lag.
      await producer.send({ topic, messages: range(0, 5).map((i) => ({ value: `b${i}` })) });

      const group = { group: groupId };
      const samples = await waitFor(
        async () => {
          const s = await scrape(cluster.coordinator);
          return metric(s, 'fjord_coordinator_group_lag_records', { ...group, topic, partition: '0' }) === 5
            ? s
            : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 500, message: `lag 5 for ${groupId}` },
      );
      expect(metric(samples, 'fjord_coordinator_group_members', group)).toBe(1);
      expect(metric(samples, 'fjord_coordinator_group_rebalances_total', group)).toBeGreaterThanOrEqual(1);
      const groups = ['Empty', 'Reconciling', 'Stable'].map((state) =>
        metric(samples, 'fjord_coordinator_groups', { state }),
      );
      expect(groups.every((count) => count !== undefined)).toBe(true);
      expect(groups.reduce((a, b) => a! + b!, 0)).toBeGreaterThanOrEqual(1);
      expect(
        metric(samples, 'fjord_coordinator_requests_total', { api: 'ConsumerGroupHeartbeat', outcome: 'ok' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        metric(samples, 'fjord_coordinator_requests_total', { api: 'OffsetCommit', outcome: 'ok' }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await consumer.close();
      await producer.close();
    }
    // Closing left the group: no members any more.
    await waitFor(
      async () =>
        metric(await scrape(cluster.coordinator), 'fjord_coordinator_group_members', { group: groupId }) ===
        0,
      { message: `${groupId} to have no members` },
    );
  });

  it('a stopping broker turns NOT_SERVING before it drains, and ends health watches', async () => {
    const broker = cluster.broker(1);
    const health = new HealthClient(broker.address);
    const watch = health.watch('');
    try {
      await watch.next((status) => status === 'SERVING');
      // With the coordinator paused, the broker's controlled shutdown waits on it (up to a
      // call deadline) while still serving: a window in which its health is observable.
      cluster.coordinator.pause();
      let exited: ReturnType<NodeProcess['kill']> | undefined;
      try {
        exited = broker.kill('SIGTERM');
        await watch.next((status) => status === 'NOT_SERVING');
        expect(await healthz(broker)).toEqual({ status: 503, body: { status: 'NOT_SERVING' } });
        expect(containerHealthcheck(broker)).toBe(1);
        const probe = new HealthClient(broker.address);
        try {
          expect(await probe.check('')).toBe('NOT_SERVING');
          expect(await probe.check('fjord.v1.BrokerService')).toBe('NOT_SERVING');
        } finally {
          probe.close();
        }
      } finally {
        cluster.coordinator.resume();
      }
      expect(await exited).toEqual({ code: 0, signal: null });
      // The watch was told, then ended cleanly (not cut off by the process exiting).
      expect(await watch.ended).toBeNull();
      expect(watch.statuses).toEqual(['SERVING', 'NOT_SERVING']);
      await expect(fetch(`${broker.metricsUrl}/healthz`)).rejects.toThrow();
    } finally {
      watch.cancel();
      health.close();
    }
  });
});
