import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fjord } from '@fjord/sdk';
import { type Cluster, randomName, sleep, startCluster, waitFor } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEverything, startWorkload } from './faults/workload.js';
import { checkHistory, type HistoryEvent, verdictOf } from './history/checker.js';
import { committedBytes } from './history/replica-logs.js';

/**
 * The replication fault test (issue 4, "Done when"): a real 3-broker cluster, RF=3,
 * min.insync.replicas=2, acks=all, several producers sending keyed records without pause,
 * while the leader of a partition is killed with SIGKILL and, separately, stopped with
 * SIGSTOP for longer than the session timeout, each time restarted or resumed after a few
 * seconds. The history (sends, acks, polls, final reads, faults) goes to a JSONL file and
 * is judged by history/checker.ts. FJORD_FAULT_LONG=1 runs five times as many faults.
 */
const LONG = process.env.FJORD_FAULT_LONG === '1';
const KILLS = LONG ? 100 : 20;
const PAUSES = LONG ? 50 : 10;
const SESSION_TIMEOUT_MS = 3_000;
const PARTITIONS = 3;
const PRODUCERS = 3;
const KEYS_PER_PRODUCER = 8;
const HISTORY_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test-results',
  'replication-fault',
);

describe('replication under faults (SIGKILL and SIGSTOP of partition leaders)', () => {
  let cluster: Cluster;
  let fjord: Fjord;
  const history: HistoryEvent[] = [];
  const record = (event: HistoryEvent) => history.push(event);

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 500,
      brokerArgs: ['--replica-lag-time-max-ms', '3000'],
      coordinatorArgs: ['--leader-imbalance-check-interval-ms', '5000'],
    });
    fjord = new Fjord({
      bootstrap: [cluster.bootstrap],
      clientId: 'replication-fault-test',
      // A paused leader answers nothing: give up on it quickly and refresh metadata.
      requestTimeoutMs: 4_000,
      retry: { initialRetryMs: 50, maxRetryMs: 500 },
    });
  });
  afterAll(async () => {
    await fjord?.close();
    await cluster?.stop();
  });

  it(`keeps every acknowledged record through ${KILLS} leader kills and ${PAUSES} leader pauses`, {
    timeout: LONG ? 3_600_000 : 600_000,
  }, async () => {
    const started = Date.now();
    const topic = randomName('fault');
    const admin = fjord.admin();
    await admin.createTopics([
      {
        name: topic,
        partitions: PARTITIONS,
        replicationFactor: 3,
        configs: { 'min.insync.replicas': '2' },
      },
    ]);
    const topicId = (await admin.describeTopics([topic]))[0]!.id;
    const waitForFullIsr = (timeoutMs = 60_000) =>
      waitFor(
        async () => {
          const [d] = await admin.describeTopics([topic]);
          return d!.partitions.every((p) => p.leader >= 0 && p.isr.length === 3) ? d : undefined;
        },
        { timeoutMs, intervalMs: 200, message: 'every partition back to a full ISR' },
      );

    // Idempotent producers (retries across failovers must not write a record twice) and a
    // polling consumer, as in the fault matrix.
    const workload = await startWorkload({
      fjord,
      topic,
      partitions: PARTITIONS,
      producers: PRODUCERS,
      keysPerProducer: KEYS_PER_PRODUCER,
      deliveryTimeoutMs: 90_000,
      record,
    });
    await waitFor(() => workload.acked() >= 300, { timeoutMs: 60_000, message: 'a first stretch of acks' });

    const leaderOf0 = async () => {
      const [d] = await admin.describeTopics([topic]);
      return d!.partitions[0]!.leader;
    };
    const faults = [...Array<'kill'>(KILLS).fill('kill'), ...Array<'pause'>(PAUSES).fill('pause')];
    // Interleave pauses among kills so both happen under every load phase.
    faults.sort((a, b) => (a === b ? 0 : a === 'pause' ? -1 : 1));
    const order = faults.map((f, i) => ({ f, k: (i * 7919) % faults.length })).sort((a, b) => a.k - b.k);
    let kills = 0;
    let pauses = 0;
    for (const { f } of order) {
      await waitForFullIsr();
      const victim = await leaderOf0();
      const node = cluster.broker(victim);
      const acksBefore = workload.acked();
      if (f === 'kill') {
        record({ type: 'fault', action: 'kill', broker: victim, t: Date.now() });
        await node.kill('SIGKILL');
        await sleep(1_500 + Math.floor(Math.random() * 1_500));
        await node.restart();
        record({ type: 'fault', action: 'restart', broker: victim, t: Date.now() });
        kills++;
      } else {
        record({ type: 'fault', action: 'pause', broker: victim, t: Date.now() });
        node.pause();
        await sleep(SESSION_TIMEOUT_MS + 1_000 + Math.floor(Math.random() * 1_500));
        node.resume();
        record({ type: 'fault', action: 'resume', broker: victim, t: Date.now() });
        pauses++;
      }
      // Progress after each fault: producers are not stuck.
      await waitFor(() => workload.acked() > acksBefore + 30, {
        timeoutMs: 60_000,
        message: 'acks after a fault',
      });
    }

    await waitForFullIsr();
    await workload.stop();

    // Final read of everything below the high watermark.
    await waitForFullIsr();
    const latest = await admin.listOffsets(topic, 'latest');
    const checked = await readEverything(fjord, topic, latest, record, 120_000);

    // Every replica's log is identical up to the high watermark (read from disk, stopped).
    for (const node of cluster.brokers) await node.stop();
    const identical: boolean[] = [];
    for (const { partition, offset } of latest) {
      const copies = await Promise.all(
        cluster.brokers.map((node) => committedBytes(node.dataDir, topicId, partition, offset)),
      );
      identical.push(copies.every((c) => c.length > 0 && c.equals(copies[0]!)));
    }

    const result = checkHistory(history);
    const summary = {
      verdict: verdictOf(result, identical),
      kills,
      pauses,
      idempotentProducer: true,
      durationMs: Date.now() - started,
      replicasIdentical: identical,
      ...result,
      recordsChecked: checked,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      moved: result.moved.length,
      reordered: result.reordered.length,
      visibleThenGone: result.visibleThenGone.length,
      failoverMs: undefined,
    };
    mkdirSync(HISTORY_DIR, { recursive: true });
    writeFileSync(
      join(HISTORY_DIR, 'history.jsonl'),
      `${history.map((e) => JSON.stringify(e)).join('\n')}\n`,
    );
    writeFileSync(join(HISTORY_DIR, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`replication fault test: ${JSON.stringify(summary)}`);

    expect(kills).toBe(KILLS);
    expect(pauses).toBe(PAUSES);
    expect(result.lost).toEqual([]);
    expect(result.moved).toEqual([]);
    expect(result.reordered).toEqual([]);
    expect(result.visibleThenGone).toEqual([]);
    expect(identical.every(Boolean)).toBe(true);
    expect(result.duplicated).toEqual([]);
    expect(result.acked).toBeGreaterThan(1_000);
  });
});
