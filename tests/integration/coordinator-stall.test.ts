import { readFileSync } from 'node:fs';
import { randomName, sleep, waitFor } from '@fjord/testkit';
import { describe, expect, it } from 'vitest';
import { useCluster } from './cluster-setup.js';

const SESSION_TIMEOUT_MS = 3_000;

/**
 * A coordinator (one voter) that stood still — SIGSTOP, a debugger, a starved machine — for
 * longer than the broker session timeout heard no heartbeat meanwhile: on resuming it must not
 * take its own silence for the brokers' and fence them all (issue 12's stall grace, at the
 * process level).
 */
describe('a coordinator paused (SIGSTOP) past the broker session timeout', () => {
  const setup = useCluster('coordinator-stall-test', {
    brokers: 3,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: 500,
  });

  /** The coordinator's log lines so far, parsed. */
  const coordinatorLog = () =>
    readFileSync(setup.cluster.coordinator.logFile!, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; brokerId?: number });

  /** Pauses the coordinator past the session timeout, resumes it, and checks nobody was fenced. */
  async function pauseAndCheck(afterRestart: boolean): Promise<void> {
    const admin = setup.fjord.admin();
    const topic = randomName('paused');
    await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 3 }]);
    await waitFor(
      async () => {
        const [d] = await admin.describeTopics([topic]);
        return d!.partitions.every((p) => p.leader >= 0 && p.isr.length === 3);
      },
      { timeoutMs: 30_000, message: 'a leader and a full ISR everywhere' },
    );
    const coordinator = setup.cluster.coordinator;
    const linesBefore = coordinatorLog().length;

    // Right after a restart the pause comes before the new process's first liveness pass
    // (`restart` resolves on its `listening` line; the first pass is a check interval, 750 ms,
    // after it starts leading): that pass has no earlier one to measure its lateness from.
    if (afterRestart) await coordinator.restart();
    coordinator.pause();
    await sleep(SESSION_TIMEOUT_MS + 2_000);
    coordinator.resume();

    // Past the grace: a broker still silent by then would be fenced.
    await sleep(SESSION_TIMEOUT_MS + 1_000);
    const since = coordinatorLog().slice(linesBefore);
    expect(since.filter((e) => e.msg === 'broker fenced: session expired')).toEqual([]);
    expect(since.some((e) => e.msg?.startsWith('liveness check ran late'))).toBe(true);
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((b) => b.alive)).toEqual([true, true, true]);
    const [d] = await admin.describeTopics([topic]);
    expect(d!.partitions.every((p) => p.leader >= 0 && p.isr.length === 3)).toBe(true);
  }

  it('fences no broker on resuming: every session gets a grace period', () => pauseAndCheck(false));

  it('fences no broker when paused right after a restart, before its first liveness pass', () =>
    pauseAndCheck(true));
});
