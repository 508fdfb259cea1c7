import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoordinatorQuorum,
  classifyCoordinatorGrpcError,
  GRPC_CHANNEL_OPTIONS,
  loadFjordProto,
  type v1,
} from '@fjord/protocol';
import { Fjord } from '@fjord/sdk';
import { type Cluster, type NodeProcess, randomName, sleep, startCluster, waitFor } from '@fjord/testkit';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from './faults/schedule.js';
import { readEverything, startWorkload } from './faults/workload.js';
import { checkHistory, type HistoryEvent, percentile } from './history/checker.js';
import {
  type FailoverTimeline,
  failoverTimeline,
  type NodeLogEvent,
  parseNodeLog,
} from './history/failover-timeline.js';
import { checkGroupOwnership, type GroupAssignmentSnapshot } from './history/group-ownership-checker.js';

/**
 * The real-process fault test of the coordinator quorum (issue 14, item 6): 3 coordinators and
 * 3 brokers, idempotent acks=all producers, a polling consumer and a committing consumer
 * group running throughout, while the coordinator quorum's leader is SIGKILLed (and
 * restarted), SIGSTOPped for longer than the election timeout (and resumed), or cut off
 * through the TcpProxy in front of it (from voters, brokers and clients, and its own calls to
 * the other voters) for longer than the election timeout (and healed), or stopped with SIGTERM
 * (a planned restart: it hands its leadership over first; then restarted). The history
 * checker judges the records (0 acknowledged records lost, duplicated, reordered or moved);
 * the test checks that committed offsets are never lost or moving backwards, that every
 * producer id handed out is unique, that no two group members own one partition at once or in
 * one epoch (the group's assignments as the coordinators described them all along), and
 * prints failover p50/p99, overall and per kind of fault: from each fault to the first
 * coordinator write that succeeds again (a producer id, asked through the proxies as every
 * client asks), with each failover's timeline from the nodes' logs (pre-vote, candidate,
 * elected, serving, brokers following).
 *
 * Default ~20 faults (CI); FJORD_QUORUM_FAULTS=<n> runs n (100 for the long mode);
 * FJORD_QUORUM_FAULT_SEED=<n> replays a run's choice of faults;
 * FJORD_QUORUM_FAULT_KINDS=leader-sigkill,... draws only from those kinds.
 */
const FAULTS = Number(process.env.FJORD_QUORUM_FAULTS ?? 20);
const SEED = Number(process.env.FJORD_QUORUM_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(SEED);
const PARTITIONS = 3;
/** Members of the committing group: more than one, so that ownership can be contested. */
const GROUP_MEMBERS = 2;
/** How often the test asks the coordinators to describe the group's assignments. */
const DESCRIBE_GROUP_INTERVAL_MS = 200;
// How long a SIGSTOP or a cut lasts: longer than the coordinators' election timeout (1 s, plus
// the pre-vote round).
const PAUSE_MS = 3_000;
const HISTORY_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test-results',
  'quorum-faults',
);

const QUORUM_FAULTS = ['leader-sigkill', 'leader-sigstop', 'leader-cut', 'leader-sigterm'] as const;
type QuorumFault = (typeof QUORUM_FAULTS)[number];
const FAULT_KINDS = faultKinds(process.env.FJORD_QUORUM_FAULT_KINDS);
/** What the history records for the start of each fault. */
const FAULT_ACTION = {
  'leader-sigkill': 'kill',
  'leader-sigstop': 'pause',
  'leader-cut': 'isolate',
  'leader-sigterm': 'term',
} as const;

describe('the coordinator quorum under leader faults (3 coordinators, 3 brokers)', () => {
  let cluster: Cluster | undefined;
  let fjord: Fjord | undefined;
  const history: HistoryEvent[] = [];
  const record = (event: HistoryEvent) => history.push(event);

  beforeAll(async () => {
    if (!Number.isSafeInteger(SEED) || !Number.isSafeInteger(FAULTS) || FAULTS < 1) {
      throw new Error(
        `FJORD_QUORUM_FAULTS and FJORD_QUORUM_FAULT_SEED must be integers (${FAULTS}, ${SEED})`,
      );
    }
    cluster = await startCluster({
      coordinators: 3,
      brokers: 3,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      // A proxy in front of every coordinator (the voters' addresses), for the cuts.
      networkFaults: true,
    });
    fjord = new Fjord({
      bootstrap: cluster.bootstrapAddresses,
      clientId: 'quorum-faults-test',
      // A SIGSTOPped leader answers nothing: give up on it soon and ask the other voters.
      requestTimeoutMs: 4_000,
      retry: { initialRetryMs: 50, maxRetryMs: 500 },
    });
  }, 120_000);
  afterAll(async () => {
    mkdirSync(HISTORY_DIR, { recursive: true });
    writeFileSync(
      join(HISTORY_DIR, 'history.jsonl'),
      `${history.map((e) => JSON.stringify(e)).join('\n')}\n`,
    );
    await fjord?.close();
    // The nodes' logs next to the history (the cluster's directory goes with it): a slow
    // failover is read from them.
    mkdirSync(join(HISTORY_DIR, 'logs'), { recursive: true });
    for (const node of [...(cluster?.coordinators ?? []), ...(cluster?.brokers ?? [])]) {
      if (node.logFile && existsSync(node.logFile)) {
        copyFileSync(node.logFile, join(HISTORY_DIR, 'logs', `${node.name}.log`));
      }
    }
    await cluster?.stop();
  });

  it(`keeps records, commits and producer ids through ${FAULTS} leader faults (seed ${SEED})`, {
    timeout: Math.max(600_000, FAULTS * 60_000),
  }, async () => {
    const c = cluster!;
    const admin = fjord!.admin();
    const topic = randomName('quorum-faults');
    const groupId = randomName('quorum-group');
    await admin.createTopics([
      { name: topic, partitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
    ]);
    const workload = await startWorkload({
      fjord: fjord!,
      topic,
      partitions: PARTITIONS,
      producers: 2,
      keysPerProducer: 8,
      deliveryTimeoutMs: 60_000,
      record,
    });
    const group = startCommittingGroup(fjord!, topic, groupId, GROUP_MEMBERS);
    const assignments = watchGroupAssignments(fjord!, groupId);
    const producerIds = new ProducerIds(c.bootstrapAddresses);
    const ids: string[] = [await producerIds.next()];
    await waitFor(() => workload.acked() >= 200, { timeoutMs: 60_000, message: 'a first stretch of acks' });

    const failoverMs: number[] = [];
    const failoverMsByKind = new Map<QuorumFault, number[]>(FAULT_KINDS.map((kind) => [kind, []]));
    const failovers: Array<{ kind: QuorumFault; leader: string; at: number; firstWriteAt: number }> = [];
    for (let i = 0; i < FAULTS; i++) {
      const fault = FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)] as QuorumFault;
      const leader = await c.leader();
      const leaderId = c.coordinatorId(leader);
      const acksBefore = workload.acked();
      console.log(`fault ${i + 1}/${FAULTS}: ${fault} of ${leader.name}`);
      const at = Date.now();
      record({ type: 'fault', action: FAULT_ACTION[fault], target: leader.name, t: at });
      // A SIGTERMed leader hands over, then drains: the failover is not waiting for its exit.
      let exited: Promise<unknown> = Promise.resolve();
      if (fault === 'leader-sigkill') await leader.kill('SIGKILL');
      else if (fault === 'leader-sigstop') leader.pause();
      else if (fault === 'leader-sigterm') exited = leader.kill('SIGTERM');
      else c.quorumLinks!.isolate(leaderId);
      // Failover: the first coordinator write (a fresh producer id) after the fault.
      ids.push(await producerIds.next());
      const firstWriteAt = Date.now();
      const tookMs = firstWriteAt - at;
      failovers.push({ kind: fault, leader: leader.name, at, firstWriteAt });
      failoverMs.push(tookMs);
      failoverMsByKind.get(fault)!.push(tookMs);
      await exited;
      if (fault === 'leader-sigstop' || fault === 'leader-cut') {
        await sleep(Math.max(0, PAUSE_MS - (Date.now() - at)));
      }
      if (fault === 'leader-cut') {
        c.quorumLinks!.heal();
        record({ type: 'fault', action: 'heal', target: leader.name, t: Date.now() });
      } else await heal(leader, record);
      await waitFor(() => workload.acked() > acksBefore + 20, {
        timeoutMs: 60_000,
        message: `acks after fault ${i + 1} (${fault})`,
      });
      // The next fault hits a whole quorum: every voter back and following one leader. (A voter
      // restarted a moment ago refuses votes for an election timeout, as it cannot know whether
      // it acknowledged a leader just before it died; killing the leader then is a double fault.)
      await waitFor(() => wholeQuorum(c), {
        timeoutMs: 30_000,
        message: 'every coordinator back, following one leader',
      });
    }

    await workload.stop();
    const commits = await group.stop();
    const snapshots = await assignments.stop();
    const ownership = checkGroupOwnership(snapshots);
    const logs = c.coordinators.concat(c.brokers).flatMap((node) => readNodeLog(node));
    const endedAt = Date.now();
    const timelines = failovers.map((f, i) => ({
      kind: f.kind,
      ...failoverTimeline(logs, {
        faultAt: f.at,
        oldLeader: f.leader,
        coordinators: c.coordinators.map((node) => node.name),
        brokers: c.brokers.map((node) => node.name),
        firstWriteAt: f.firstWriteAt,
        until: failovers[i + 1]?.at ?? endedAt,
      }),
    }));
    for (const [i, t] of timelines.entries())
      console.log(`failover ${i + 1} (${t.kind}): ${JSON.stringify(t)}`);
    const finalCommitted = await admin.listGroupOffsets(groupId);
    producerIds.close();
    const latest = await admin.listOffsets(topic, 'latest');
    const checked = await readEverything(fjord!, topic, latest, record, 120_000);
    const result = checkHistory(history);

    // Committed offsets: never below one acknowledged before (lost), never moving back.
    const offsetProblems = [...commits.problems];
    for (const p of finalCommitted) {
      const acked = commits.lastAcked.get(p.partition) ?? -1n;
      if (p.offset < acked)
        offsetProblems.push(`final commit of ${p.partition} is ${p.offset} < acked ${acked}`);
    }
    const summary = {
      seed: SEED,
      faults: FAULTS,
      faultsByKind: Object.fromEntries([...failoverMsByKind].map(([kind, ms]) => [kind, ms.length])),
      recordsAcked: result.acked,
      recordsChecked: checked,
      lost: result.lost.length,
      duplicated: result.duplicated.length,
      reordered: result.reordered.length,
      moved: result.moved.length,
      visibleThenGone: result.visibleThenGone.length,
      commitsAcked: commits.acked,
      offsetProblems: offsetProblems.length,
      producerIds: ids.length,
      duplicateProducerIds: ids.length - new Set(ids).size,
      groupSnapshots: ownership.snapshots,
      groupEpochs: ownership.epochs,
      ownershipProblems: ownership.problems.length,
      failoverP50Ms: percentile(failoverMs, 0.5),
      failoverP99Ms: percentile(failoverMs, 0.99),
      failoverMsByKind: Object.fromEntries(
        [...failoverMsByKind]
          .filter(([, ms]) => ms.length > 0)
          .map(([kind, ms]) => [
            kind,
            { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), max: Math.max(...ms) },
          ]),
      ),
      // Median and worst ms after the fault at which each phase ended, per kind of fault.
      timelineByKind: Object.fromEntries(
        FAULT_KINDS.filter((kind) => timelines.some((t) => t.kind === kind)).map((kind) => [
          kind,
          phaseQuantiles(timelines.filter((t) => t.kind === kind)),
        ]),
      ),
    };
    mkdirSync(HISTORY_DIR, { recursive: true });
    writeFileSync(
      join(HISTORY_DIR, 'summary.json'),
      `${JSON.stringify({ ...summary, timelines }, null, 2)}\n`,
    );
    writeFileSync(
      join(HISTORY_DIR, 'group-assignments.jsonl'),
      `${snapshots.map((e) => JSON.stringify(e)).join('\n')}\n`,
    );
    console.log(`coordinator quorum faults: ${JSON.stringify(summary)}`);

    expect(result.lost).toEqual([]);
    expect(result.duplicated).toEqual([]);
    expect(result.reordered).toEqual([]);
    expect(result.moved).toEqual([]);
    expect(result.visibleThenGone).toEqual([]);
    expect(offsetProblems).toEqual([]);
    expect(ownership.problems).toEqual([]);
    // The check had something to judge: the group was described all along, with both members
    // holding partitions at some point.
    expect(ownership.snapshots).toBeGreaterThan(FAULTS);
    expect(
      snapshots.some((s) => s.members.filter((m) => m.partitions.length > 0).length === GROUP_MEMBERS),
    ).toBe(true);
    expect(commits.acked).toBeGreaterThan(FAULTS);
    expect(new Set(ids).size).toBe(ids.length);
    expect(result.acked).toBeGreaterThan(500);
  });
});

/** True when every coordinator runs and names the same leader in the same term. */
async function wholeQuorum(c: Cluster): Promise<boolean> {
  if (!c.coordinators.every((node) => node.running && !node.paused)) return false;
  try {
    const views = await Promise.all(c.coordinators.map((node) => c.describeQuorum(node, 1_000)));
    const [first] = views;
    return (
      first !== undefined &&
      first.leaderId >= 0 &&
      views.every((v) => v.leaderId === first.leaderId && String(v.term) === String(first.term))
    );
  } catch {
    return false;
  }
}

/** Ends a fault: restarts a killed coordinator, resumes a paused one. */
async function heal(node: NodeProcess, record: (event: HistoryEvent) => void): Promise<void> {
  if (node.paused) {
    node.resume();
    record({ type: 'fault', action: 'resume', target: node.name, t: Date.now() });
  } else if (!node.running) {
    await node.restart();
    record({ type: 'fault', action: 'restart', target: node.name, t: Date.now() });
  }
}

/**
 * `members` group members, each polling and committing what it read (explicit offsets) after
 * every poll, and, after each acknowledged commit, reading the group's committed offsets back:
 * they must never be below an acknowledged commit nor move back (a partition moving to the
 * other member resumes at the commit, so the bounds are the group's, not a member's).
 */
function startCommittingGroup(fjord: Fjord, topic: string, groupId: string, members: number) {
  let stopping = false;
  let acked = 0;
  const lastAcked = new Map<number, bigint>();
  const problems: string[] = [];
  const admin = fjord.admin();
  const consumers = Array.from({ length: members }, () =>
    fjord.consumer({ groupId, autoOffsetReset: 'earliest', fetchMaxWaitMs: 200 }),
  );
  const loops = consumers.map(async (consumer) => {
    // Per member: its reads follow one another, so they must never go back.
    const lastSeen = new Map<number, bigint>();
    await consumer.subscribe([topic]);
    while (!stopping) {
      try {
        const records = await consumer.poll(500);
        const next = new Map<number, bigint>();
        for (const r of records) next.set(r.partition, r.offset + 1n);
        if (next.size === 0) continue;
        await consumer.commit({
          offsets: [...next].map(([partition, offset]) => ({ topic, partition, offset })),
        });
        acked++;
        for (const [partition, offset] of next) {
          if (offset > (lastAcked.get(partition) ?? -1n)) lastAcked.set(partition, offset);
        }
        // Only commits acknowledged before the read started must show in it.
        const floors = new Map(lastAcked);
        for (const p of await admin.listGroupOffsets(groupId)) {
          const seen = lastSeen.get(p.partition) ?? -1n;
          if (p.offset < seen)
            problems.push(`committed offset of ${p.partition} moved back: ${seen} -> ${p.offset}`);
          const floor = floors.get(p.partition) ?? -1n;
          if (p.offset < floor)
            problems.push(`committed offset of ${p.partition} lost: ${p.offset} < acked ${floor}`);
          lastSeen.set(p.partition, p.offset);
        }
      } catch {
        // A commit or read cut short by a fault (or a partition that moved to the other
        // member meanwhile): not acknowledged, so nothing is promised.
        await sleep(200);
      }
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      await Promise.all(consumers.map((consumer) => consumer.close()));
      return { acked, lastAcked, problems };
    },
  };
}

/**
 * Describes the group every {@link DESCRIBE_GROUP_INTERVAL_MS} through the faults and keeps each
 * answer's assignments; a describe cut short by a fault is skipped.
 */
function watchGroupAssignments(fjord: Fjord, groupId: string) {
  const admin = fjord.admin();
  const snapshots: GroupAssignmentSnapshot[] = [];
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      try {
        const group = await admin.describeGroup(groupId);
        snapshots.push({
          t: Date.now(),
          groupEpoch: group.groupEpoch,
          members: group.members.map((m) => ({
            memberId: m.memberId,
            memberEpoch: m.memberEpoch,
            partitions: m.assignment.map((tp) => `${tp.topic}:${tp.partition}`),
          })),
        });
      } catch {
        // No leader right now: the next describe asks again.
      }
      await sleep(DESCRIBE_GROUP_INTERVAL_MS);
    }
  })();
  return {
    async stop(): Promise<GroupAssignmentSnapshot[]> {
      stopping = true;
      await loop;
      return snapshots;
    },
  };
}

/** Every log line a node wrote (all its incarnations), for the failover timelines. */
function readNodeLog(node: NodeProcess): NodeLogEvent[] {
  if (!node.logFile || !existsSync(node.logFile)) return [];
  return parseNodeLog(node.name, readFileSync(node.logFile, 'utf8'));
}

/** Median and max of each phase of some failovers' timelines (phases never seen are left out). */
function phaseQuantiles(timelines: readonly FailoverTimeline[]) {
  const phases = [
    'preVoteMs',
    'candidateMs',
    'electedMs',
    'servingMs',
    'brokersFollowedMs',
    'firstWriteMs',
  ] as const;
  const result: Record<string, { p50: number | null; max: number }> = {};
  for (const phase of phases) {
    const ms = timelines.map((t) => t[phase]).filter((v): v is number => v !== undefined);
    if (ms.length > 0) result[phase] = { p50: percentile(ms, 0.5), max: Math.max(...ms) };
  }
  const rounds = timelines.map((t) => t.electionRounds);
  result.electionRounds = { p50: percentile(rounds, 0.5), max: Math.max(...rounds) };
  return result;
}

/** The fault kinds to draw from: all of them, or the comma list given; throws naming an unknown one. */
function faultKinds(list: string | undefined): readonly QuorumFault[] {
  if (list === undefined || list.trim() === '') return QUORUM_FAULTS;
  const kinds = list.split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (!(QUORUM_FAULTS as readonly string[]).includes(kind)) {
      throw new Error(
        `FJORD_QUORUM_FAULT_KINDS: unknown fault kind ${kind} (known: ${QUORUM_FAULTS.join(', ')})`,
      );
    }
  }
  return kinds as QuorumFault[];
}

/** InitProducerId at the quorum leader, over the wire: every id handed out is kept. */
class ProducerIds {
  readonly #quorum: CoordinatorQuorum;
  readonly #clients = new Map<string, v1.ProducerIdServiceClient>();

  constructor(bootstrap: readonly string[]) {
    this.#quorum = new CoordinatorQuorum({ bootstrap });
  }

  /** A new producer id; retries (through elections) for up to 30 s. */
  async next(): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await this.#quorum.call((address) => this.#init(address), {
          classify: classifyCoordinatorGrpcError,
          // Every coordinator's answer, not only the last one's: which one failed how.
          exhausted: (failures) =>
            new Error(
              `no coordinator handed out a producer id: ${failures
                .map((f) => `${f.address} ${f.failure.kind}: ${(f.error as Error).message}`)
                .join('; ')}`,
            ),
        });
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(50);
      }
    }
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
  }

  #init(address: string): Promise<string> {
    let client = this.#clients.get(address);
    if (!client) {
      // Channel options as the SDK's: grpc-js's own reconnect backoff (1 s growing to 2 min)
      // made calls to a voter restarted a while ago fail at once for seconds after it was back.
      client = new (loadFjordProto().fjord.v1.ProducerIdService)(
        address,
        grpc.credentials.createInsecure(),
        GRPC_CHANNEL_OPTIONS,
      );
      this.#clients.set(address, client);
    }
    const service = client;
    return new Promise((resolve, reject) => {
      service.initProducerId({}, { deadline: Date.now() + 2_000 }, (error, response) => {
        if (error || !response) reject(error ?? new Error('empty InitProducerId answer'));
        else if (response.errorCode !== 0) reject(new Error(`InitProducerId: ${response.errorMessage}`));
        else resolve(String(response.producerId));
      });
    });
  }
}
