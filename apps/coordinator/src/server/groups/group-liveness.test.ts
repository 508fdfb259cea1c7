import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, type v1 } from '@fjord/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClassicGroups } from '../../groups/classic/classic-groups.js';
import type { GroupContext } from '../../groups/group-context.js';
import { restoreGroupSessions, startGroupCoordinator } from '../../groups/group-coordinator.js';
import { GroupMonitor } from '../../groups/group-monitor.js';
import { GroupSessions } from '../../groups/group-sessions.js';
import { HeartbeatWaiters } from '../../groups/heartbeat-waiters.js';
import { ManualClock } from '../../liveness/clock.js';
import { groupById } from '../../metadata/group-records.js';
import { type Assignment, toKeys } from '../../metadata/group-state.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { metadataRecord } from '../../metadata/records.js';
import { openLocalMetadataStore } from '../../quorum/open-metadata-store.js';
import { systemRandom } from '../../random-source.js';
import { consumerGroupHeartbeat } from './consumer-group-heartbeat.js';

const logger = pino({ level: 'silent' });
const SESSION_MS = 10_000;
const REBALANCE_MS = 3_000;
/** The monitor's stall threshold here: a pass this late means the coordinator itself stood still. */
const STALLED_AFTER_MS = 6_000;

type Answer = v1.ConsumerGroupHeartbeatResponse;

/** Partitions of an answer as `topic:partition` keys. */
const keysOf = (answer: Answer) =>
  (answer.assignment ?? []).flatMap((t) => (t.partitions ?? []).map((p) => `${t.topic}:${p}`)).sort();

const toWire = (keys: readonly string[]) => {
  const byTopic = new Map<string, number[]>();
  for (const key of keys) {
    const [topic, partition] = key.split(':') as [string, string];
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(partition)]);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions, topicId: '' }));
};

/**
 * Group members driven by hand against a real metadata store, with a ManualClock for sessions
 * and the monitor checked explicitly: no timers, no sleeps.
 */
describe('group liveness (fake clock)', () => {
  let dataDir: string;
  let store: MetadataStore;
  let clock: ManualClock;
  let sessions: GroupSessions;
  let waiters: HeartbeatWaiters;
  let monitor: GroupMonitor;
  let ctx: GroupContext;
  // What each member owns and its epoch, as a client would keep them.
  let owned: Map<string, { epoch: number; keys: string[]; instanceId?: string }>;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fjord-group-liveness-'));
    store = await openLocalMetadataStore({ dataDir, snapshotEveryRecords: 1000, logger });
    await store.propose((p) => {
      p.append(metadataRecord({ type: 'InitCluster', clusterId: 'c' }));
      for (const [name, count] of [
        ['t', 4],
        ['u', 1],
      ] as const) {
        p.append(
          metadataRecord({
            type: 'CreateTopic',
            topicId: `id-${name}`,
            name,
            configs: {},
            partitions: Array.from({ length: count }, (_, partition) => ({
              partition,
              replicas: [1],
              leader: 1,
              isr: [1],
            })),
          }),
        );
      }
    });
    clock = new ManualClock(1_000);
    sessions = new GroupSessions(clock);
    waiters = new HeartbeatWaiters();
    monitor = new GroupMonitor({
      store,
      sessions,
      waiters,
      logger,
      checkIntervalMs: 1_000,
      stalledAfterMs: STALLED_AFTER_MS,
    });
    ctx = {
      store,
      sessions,
      waiters,
      random: systemRandom,
      classic: new ClassicGroups(store, clock, () => systemRandom.uuid()),
      logger,
      heartbeatIntervalMs: 500,
      minSessionTimeoutMs: 500,
      maxSessionTimeoutMs: 1_800_000,
    };
    owned = new Map();
  });

  afterEach(async () => {
    waiters.close();
    await monitor.stop();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** One heartbeat of `memberId` reporting what it owns; the client applies the answer. */
  async function beat(
    memberId: string,
    options: { epoch?: number; instanceId?: string; maxWaitMs?: number; topics?: string[] } = {},
  ): Promise<Answer> {
    const known = owned.get(memberId);
    const epoch = options.epoch ?? known?.epoch ?? 0;
    const answer = await consumerGroupHeartbeat(ctx, {
      groupId: 'g',
      memberId,
      memberEpoch: epoch,
      instanceId: options.instanceId ?? known?.instanceId ?? '',
      rebalanceTimeoutMs: REBALANCE_MS,
      sessionTimeoutMs: SESSION_MS,
      subscribedTopicNames: options.topics ?? ['t'],
      subscribedTopicRegex: '',
      serverAssignor: '',
      ownedPartitions: toWire(known?.keys ?? []),
      maxWaitMs: options.maxWaitMs ?? 0,
      subscribedTopicNamesUnchanged: false,
      subscribedTopicRegexUnchanged: false,
      rebalanceTimeoutUnchanged: false,
      ownedPartitionsUnchanged: false,
    });
    if (answer.errorCode === ErrorCode.NONE && epoch >= 0) {
      // A well-behaved client: revokes at once and takes what it was given.
      owned.set(memberId, {
        epoch: answer.memberEpoch!,
        keys: keysOf(answer),
        instanceId: options.instanceId ?? known?.instanceId,
      });
    }
    return answer;
  }

  /** Every live member heartbeats until nobody's partitions change any more. */
  async function settle(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const before = JSON.stringify([...owned]);
      for (const id of Object.keys(group()?.members ?? {})) if (owned.has(id)) await beat(id);
      if (JSON.stringify([...owned]) === before) return;
    }
    throw new Error('the group did not settle');
  }

  const group = () => groupById(store.state, 'g');
  const members = () => Object.keys(group()?.members ?? {}).sort();
  const assigned = (memberId: string): string[] =>
    toKeys((group()?.members[memberId]?.assigned ?? {}) as Assignment);

  it('removes a member silent for its session timeout; its partitions go to the others', async () => {
    await beat('a');
    await beat('b');
    await settle();
    expect(assigned('a')).toHaveLength(2);
    expect(assigned('b')).toHaveLength(2);

    clock.advance(SESSION_MS - 1_000);
    await beat('a');
    await monitor.runNow();
    expect(members()).toEqual(['a', 'b']);

    // b was last heard of exactly one session timeout ago; a only 1 s ago.
    clock.advance(1_000);
    await monitor.runNow();
    expect(members()).toEqual(['a']);
    expect(sessions.expired()).toEqual([]);
    await settle();
    expect(owned.get('a')!.keys).toEqual(['t:0', 't:1', 't:2', 't:3']);
    // The removed member is fenced: it has to rejoin.
    expect((await beat('b')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('removes a member that does not confirm a revocation within its rebalance timeout (maxPollIntervalMs)', async () => {
    await beat('a');
    await settle();
    await beat('b');
    // a is asked to give up two partitions but does not confirm (it keeps reporting all 4).
    const keep = owned.get('a')!;
    const revoke = await beat('a');
    expect(keysOf(revoke)).toHaveLength(2);
    owned.set('a', keep);
    clock.advance(REBALANCE_MS - 1);
    await beat('a');
    owned.set('a', keep);
    await beat('b');
    await monitor.runNow();
    expect(members()).toEqual(['a', 'b']);
    expect(assigned('b')).toEqual([]);

    // Heartbeats keep its session, but not its revocation deadline.
    clock.advance(1);
    await monitor.runNow();
    expect(members()).toEqual(['b']);
    await settle();
    expect(owned.get('b')!.keys).toEqual(['t:0', 't:1', 't:2', 't:3']);
  });

  it('clears the revocation deadline once the member confirms', async () => {
    await beat('a');
    await settle();
    await beat('b');
    await settle();
    clock.advance(REBALANCE_MS * 2);
    await beat('a');
    await beat('b');
    await monitor.runNow();
    expect(members()).toEqual(['a', 'b']);
    expect(assigned('a')).toHaveLength(2);
  });

  it('keeps a static member’s partitions for one session timeout; back in time under a new id it gets them, and nobody moves', async () => {
    await beat('s', { instanceId: 'i-s' });
    await beat('o', { instanceId: 'i-o' });
    await settle();
    const mine = assigned('s');
    const theirs = assigned('o');
    const epoch = group()!.groupEpoch;

    await beat('s', { epoch: -2 });
    owned.delete('s');
    expect(group()!.members.s!.away).toBe(true);
    clock.advance(SESSION_MS - 1);
    await beat('o');
    await monitor.runNow();
    expect(members()).toEqual(['o', 's']);
    expect(owned.get('o')!.keys).toEqual(theirs);

    const back = await beat('s2', { instanceId: 'i-s' });
    expect(keysOf(back)).toEqual(mine);
    expect(members()).toEqual(['o', 's2']);
    expect(group()!.groupEpoch).toBe(epoch);
    // The old member id's session ended with it: nothing expires later.
    clock.advance(2);
    await beat('o');
    await monitor.runNow();
    expect(members()).toEqual(['o', 's2']);
    expect(owned.get('o')!.keys).toEqual(theirs);
  });

  it('removes a static member that stays away longer than its session timeout', async () => {
    await beat('s', { instanceId: 'i-s' });
    await beat('o');
    await settle();
    await beat('s', { epoch: -2 });
    owned.delete('s');
    clock.advance(SESSION_MS);
    await beat('o');
    await monitor.runNow();
    expect(members()).toEqual(['o']);
    await settle();
    expect(owned.get('o')!.keys).toEqual(['t:0', 't:1', 't:2', 't:3']);
  });

  it('frees a leaving member’s partitions at once and ends its session', async () => {
    await beat('a');
    await beat('b');
    await settle();
    await beat('b', { epoch: -1 });
    owned.delete('b');
    expect(members()).toEqual(['a']);
    await settle();
    expect(owned.get('a')!.keys).toEqual(['t:0', 't:1', 't:2', 't:3']);
    clock.advance(SESSION_MS * 2);
    expect(sessions.expired().map((e) => e.memberId)).toEqual(['a']);
  });

  it('gives every member restored after a restart (or a failover) one session timeout of grace', async () => {
    await beat('a');
    await settle();
    clock.advance(SESSION_MS * 5);
    // A coordinator that starts leading over this state: sessions are not in the log.
    const restarted = startGroupCoordinator({
      store,
      clock,
      random: systemRandom,
      logger,
      heartbeatIntervalMs: 500,
    });
    restoreGroupSessions(restarted.sessions, store.state);
    try {
      clock.advance(SESSION_MS - 1);
      await restarted.monitor.runNow();
      expect(members()).toEqual(['a']);
      clock.advance(1);
      await restarted.monitor.runNow();
      expect(members()).toEqual([]);
    } finally {
      restarted.waiters.close();
    }
  });

  it('a monitor that itself stalled past the members’ sessions removes nobody at once: each gets its session timeout of grace', async () => {
    await beat('a');
    await beat('b');
    await settle();
    await monitor.runNow();
    // The coordinator stands still (SIGSTOP) longer than every session: no heartbeat is read.
    clock.advance(SESSION_MS + STALLED_AFTER_MS);
    await monitor.runNow();
    expect(members()).toEqual(['a', 'b']);
    // a heartbeats again, b died meanwhile: b goes once its grace has run out, not before.
    for (let elapsed = 1_000; elapsed < SESSION_MS; elapsed += 1_000) {
      clock.advance(1_000);
      await beat('a');
      await monitor.runNow();
      expect(members()).toEqual(['a', 'b']);
    }
    clock.advance(1_000);
    await beat('a');
    await monitor.runNow();
    expect(members()).toEqual(['a']);
  });

  it('a monitor stalled after it started, before its first pass (a new leader, a restart), removes nobody', async () => {
    await beat('a');
    await settle();
    monitor.start();
    clock.advance(SESSION_MS * 2);
    await monitor.runNow();
    expect(members()).toEqual(['a']);
    // Still silent one session timeout after the grace began (passes on time meanwhile): removed.
    for (let elapsed = 1_000; elapsed < SESSION_MS; elapsed += 1_000) {
      clock.advance(1_000);
      await monitor.runNow();
      expect(members()).toEqual(['a']);
    }
    clock.advance(1_000);
    await monitor.runNow();
    expect(members()).toEqual([]);
  });

  it('a grace after a stall gives a pending revocation its rebalance timeout again', () => {
    sessions.touch('g', 'm', SESSION_MS);
    sessions.setRevoking('g', 'm', true, REBALANCE_MS);
    clock.advance(REBALANCE_MS);
    expect(sessions.expired()).toEqual([{ groupId: 'g', memberId: 'm', reason: 'revocation' }]);
    sessions.extendAll();
    expect(sessions.expired()).toEqual([]);
    clock.advance(REBALANCE_MS);
    expect(sessions.expired()).toEqual([{ groupId: 'g', memberId: 'm', reason: 'revocation' }]);
  });

  describe('held (long-poll) heartbeats', () => {
    it('answers a settled member as soon as another member leaves', async () => {
      await beat('a');
      await beat('b');
      await settle();
      const held = beat('a', { maxWaitMs: 60_000 });
      await expect.poll(() => waiters.waitingCount).toBe(1);
      await beat('b', { epoch: -1 });
      // Answered by the change, not by the (minute-long) wait: a now has everything.
      expect(keysOf(await held)).toEqual(['t:0', 't:1', 't:2', 't:3']);
      expect(waiters.waitingCount).toBe(0);
    });

    it('answers a waiting member once the partitions it waits for are released', async () => {
      await beat('a');
      await settle();
      // b joins: its target has two of a's partitions, which a still holds.
      await beat('b');
      expect(owned.get('b')!.keys).toEqual([]);
      const held = beat('b', { maxWaitMs: 60_000 });
      await expect.poll(() => waiters.waitingCount).toBe(1);
      await beat('a'); // asked to revoke
      await beat('a'); // confirms (a well-behaved client owns only what it was given)
      expect(keysOf(await held)).toHaveLength(2);
    });

    it('answers at once when the member has something to do', async () => {
      await beat('a');
      await settle();
      await beat('b');
      // a must revoke: a long-poll is not held.
      const answer = await beat('a', { maxWaitMs: 60_000 });
      expect(keysOf(answer)).toHaveLength(2);
      expect(waiters.waitingCount).toBe(0);
    });

    it('ends a held heartbeat when a newer one of the same member arrives, without re-running it', async () => {
      await beat('a');
      await beat('b');
      await settle();
      const before = owned.get('a')!.keys;
      const held = beat('a', { maxWaitMs: 60_000 });
      await expect.poll(() => waiters.waitingCount).toBe(1);
      // The newer heartbeat changes the subscription; the held one must not undo that.
      const newer = beat('a', { topics: ['t', 'u'] });
      expect(keysOf(await held)).toEqual(before);
      await newer;
      expect(group()!.members.a!.subscribedTopics).toEqual(['t', 'u']);
      expect(waiters.waitingCount).toBe(0);
    });

    it('answers every held heartbeat when the coordinator shuts down', async () => {
      await beat('a');
      await settle();
      const held = beat('a', { maxWaitMs: 60_000 });
      await expect.poll(() => waiters.waitingCount).toBe(1);
      waiters.close();
      expect(keysOf(await held)).toEqual(['t:0', 't:1', 't:2', 't:3']);
    });
  });
});
