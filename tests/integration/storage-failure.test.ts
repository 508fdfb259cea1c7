import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fjord } from '@fjord/sdk';
import { type Cluster, type LogEvent, randomName, startCluster, waitFor } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingAcks, readWholeTopic, SteadyProducer } from './helpers.js';
import { metric, scrape } from './metrics.js';
import { missingCapability } from './required-tool.js';
import { fillUp, mountTmpfs, unmount, whyNoTmpfs } from './tmpfs.js';

/** Room for LevelDB's files and a first stretch of records; the test fills the rest. */
const TMPFS_BYTES = 32 * 1024 * 1024;
const VICTIM = 1;

// Issue #12, item 9: a real broker whose disk fills up. Broker 1's data directory is a
// size-limited tmpfs that the test fills to the last byte while producers run, so LevelDB's
// own writes fail with ENOSPC: nothing in the broker is mocked.
const noTmpfs = missingCapability(whyNoTmpfs());

describe.skipIf(noTmpfs !== undefined)('a broker whose disk is full', () => {
  let clusterDir: string;
  let victimDir: string;
  let mounted = false;
  let cluster: Cluster | undefined;
  let fjord: Fjord;
  const victimLogs: LogEvent[] = [];
  const coordinatorLogs: LogEvent[] = [];

  beforeAll(async () => {
    clusterDir = mkdtempSync(join(tmpdir(), 'fjord-disk-full-'));
    victimDir = join(clusterDir, `broker-${VICTIM}`);
    mkdirSync(victimDir);
    mountTmpfs(victimDir, TMPFS_BYTES);
    mounted = true;
    cluster = await startCluster({
      brokers: 3,
      dataDir: clusterDir,
      // Preferred-leader elections would hand leaderships back to the victim.
      coordinatorArgs: ['--leader-imbalance-check-interval-ms', '0'],
      onLog: (node, _line, event) => {
        if (!event) return;
        if (node === `broker-${VICTIM}`) victimLogs.push(event);
        if (node === 'coordinator') coordinatorLogs.push(event);
      },
    });
    fjord = new Fjord({ bootstrap: [cluster.bootstrap], clientId: 'disk-full-test' });
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
    if (mounted) unmount(victimDir);
    rmSync(clusterDir, { recursive: true, force: true });
  });

  it('stops leading, counts and logs the failed writes, and the coordinator moves its leaderships; no acknowledged record is lost', async () => {
    const admin = fjord.admin();
    const topic = randomName('disk-full');
    await admin.createTopics([
      { name: topic, partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
    ]);
    const described = await waitFor(
      async () => {
        const [d] = await admin.describeTopics([topic]);
        return d!.partitions.every((p) => p.leader >= 0 && p.isr.length === 3) ? d : undefined;
      },
      { timeoutMs: 30_000, message: 'a full ISR everywhere' },
    );
    const ledByVictim = described.partitions.filter((p) => p.leader === VICTIM).map((p) => p.partition);
    expect(ledByVictim.length).toBeGreaterThan(0);

    const producer = new SteadyProducer(fjord, topic, { acks: 'all', deliveryTimeoutMs: 60_000, chunk: 30 });
    producer.start();
    expect(await producer.waitForAcked(300)).toBeGreaterThanOrEqual(300);
    expect(metric(await scrape(cluster!.broker(VICTIM)), 'fjord_broker_storage_write_failures_total')).toBe(
      0,
    );

    const filled = fillUp(victimDir);
    expect(filled).toBeGreaterThan(0);
    const ackedAtFill = producer.acked.length;

    // The victim hands its leaderships over, leaves the ISRs, and nobody elects it again.
    const after = await waitFor(
      async () => {
        const [d] = await admin.describeTopics([topic]);
        return d!.partitions.every((p) => p.leader >= 0 && p.leader !== VICTIM && !p.isr.includes(VICTIM))
          ? d
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: `broker ${VICTIM} no longer leads or is in an ISR` },
    );
    expect(after.partitions.map((p) => p.leader)).not.toContain(VICTIM);
    // Producers go on against the new leaders (acks=all, min.insync.replicas=2 of the other two).
    expect(await producer.waitForAcked(ackedAtFill + 300)).toBeGreaterThanOrEqual(ackedAtFill + 300);
    await producer.stop();

    const failures = metric(
      await scrape(cluster!.broker(VICTIM)),
      'fjord_broker_storage_write_failures_total',
    );
    expect(failures).toBeGreaterThanOrEqual(1);
    const failureLog = victimLogs.find((e) => String(e.msg).startsWith('storage write failed'));
    expect(failureLog, 'the broker logs the failed write').toBeDefined();
    expect(JSON.stringify(failureLog)).toMatch(/no space left on device/i);
    expect(
      coordinatorLogs.some((e) => e.msg === 'controlled shutdown' && e.brokerId === VICTIM),
      'the coordinator was told',
    ).toBe(true);
    // The broker process keeps running (it answers, and says why it cannot append).
    expect(cluster!.broker(VICTIM).running).toBe(true);

    const stored = await readWholeTopic(fjord, topic);
    expect(missingAcks(producer.acked, stored)).toEqual([]);
    console.log(
      `disk full: ${JSON.stringify({
        filledBytes: filled,
        ledByVictim,
        acked: producer.acked.length,
        storageWriteFailures: failures,
        leadersAfter: after.partitions.map((p) => p.leader),
      })}`,
    );
  });
});
