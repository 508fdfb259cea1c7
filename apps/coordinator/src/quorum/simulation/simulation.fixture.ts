import { type MetadataCommand, MetadataStateMachine } from '../metadata-state-machine.js';
import { type RaftConfig, raftConfig } from '../raft-config.js';
import { type RaftFaultInjection, RaftNode } from '../raft-node.js';
import { EventQueue, NodeClock } from './event-queue.fixture.js';
import { InvariantChecker, InvariantViolation } from './invariant-checker.fixture.js';
import { MetadataWorkload } from './metadata-workload.fixture.js';
import { ProcessPauses } from './process-pauses.fixture.js';
import { SeededRandom } from './seeded-random.fixture.js';
import { type NetworkConditions, SimNetwork } from './sim-network.fixture.js';
import { SimDisk } from './sim-storage.fixture.js';

/** One simulated run. Everything not given here is drawn from the seed. */
export interface SimulationOptions {
  seed: number;
  /** Simulated run time; faults stop `healPhaseMs` before the end. */
  durationMs?: number;
  /** Voter count (1, 3 or 5); drawn from the seed when absent. */
  voters?: number;
  /** Raft settings; production's defaults, except snapshots every 50 entries so they happen. */
  config?: Partial<RaftConfig>;
  faultInjection?: RaftFaultInjection;
  /** Share of nemesis faults that crash every voter at once (default 0.05). */
  crashAllRate?: number;
  /**
   * `random` (default): every kind of fault, planned leader hand-offs among them. `handOffs`:
   * only planned stops under a calm network: the leader hands its leadership over and is
   * usually stopped right after, as a coordinator receiving SIGTERM is.
   */
  nemesis?: 'random' | 'handOffs';
  /** Keep every event's label (for comparing two runs of one seed line by line). */
  keepTrace?: boolean;
}

/** What a run did (all counts are simulated). */
export interface SimulationReport {
  seed: number;
  voters: number;
  simulatedMs: number;
  events: number;
  traceHash: string;
  trace: string[] | null;
  proposals: number;
  acknowledged: number;
  maxCommitIndex: number;
  leaderElections: number;
  crashes: number;
  pauses: number;
  /** Leader hand-offs started (RaftNode.handOffLeadership returned a voter). */
  handOffs: number;
  /** Per hand-off that completed: ms from its start until another voter led in a later term. */
  handOffMs: number[];
  networkFaults: number;
  readsChecked: number;
  fsyncs: number;
  messagesSent: number;
  /** Simulated ms from the heal to the first acknowledged proposal after it. */
  recoveryMs: number;
}

/** A run broke an invariant (or threw); says how to replay it. */
export class SimulationFailure extends Error {
  constructor(
    readonly seed: number,
    readonly voters: number,
    readonly reason: unknown,
    faults: RaftFaultInjection = {},
    /** The events up to the failure, when the run kept its trace. */
    readonly trace: string[] | null = null,
  ) {
    super(
      `raft simulation failed for seed ${seed} (${voters} voters): ${reason instanceof Error ? reason.message : String(reason)}\n` +
        `replay: ${replayCommand(seed, faults)}`,
    );
    this.name = 'SimulationFailure';
  }
}

/** The one-line command that replays `seed` exactly (with the same injected bugs, if any). */
export function replayCommand(seed: number, faults: RaftFaultInjection = {}): string {
  const names = Object.entries(faults)
    .filter(([, on]) => on === true)
    .map(([name]) => name);
  const faultVariable = names.length === 0 ? '' : `FJORD_SIM_FAULTS=${names.join(',')} `;
  return `${faultVariable}FJORD_SIM_SEED=${seed} pnpm exec vitest run apps/coordinator/src/quorum/simulation/raft-simulation.test.ts`;
}

/** Parses FJORD_SIM_FAULTS (comma-separated {@link RaftFaultInjection} names); throws on an unknown one. */
export function parseFaults(value: string | undefined): RaftFaultInjection {
  const known: Array<keyof RaftFaultInjection> = [
    'grantEveryVote',
    'commitWithoutMajority',
    'sendBeforeFsync',
  ];
  const faults: RaftFaultInjection = {};
  for (const name of (value ?? '').split(',').filter((n) => n !== '')) {
    if (!known.includes(name as keyof RaftFaultInjection)) {
      throw new Error(`FJORD_SIM_FAULTS: unknown fault ${name}; known: ${known.join(', ')}`);
    }
    faults[name as keyof RaftFaultInjection] = true;
  }
  return faults;
}

const HEAL_PHASE_MS = 15_000;
/** With every voter up and the network healed, a proposal must commit within this. */
export const LIVENESS_BOUND_MS = 10_000;
const MAX_FSYNC_MS = 5;

const CALM: NetworkConditions = {
  dropRate: 0.01,
  duplicateRate: 0.01,
  minDelayMs: 1,
  maxDelayMs: 10,
  slowRate: 0.02,
  slowDelayMs: 300,
};

interface Running {
  node: RaftNode<MetadataCommand>;
  clock: NodeClock;
  stateMachine: MetadataStateMachine;
  alive: { value: boolean };
}

/**
 * All voters of one quorum in one process under one seeded event queue, with the real Raft
 * core and the real metadata state machine, a simulated network, disks and clocks, clients
 * proposing metadata records, and a nemesis crashing nodes and cutting links until the heal
 * phase. Modelled on Kafka's RaftEventSimulationTest. Throws {@link SimulationFailure}.
 */
export function runSimulation(options: SimulationOptions): SimulationReport {
  const root = new SeededRandom(options.seed);
  const voterCount = options.voters ?? root.pick([1, 3, 3, 3, 5, 5]);
  const queue = new EventQueue(options.keepTrace === true);
  try {
    return simulate(options, root, voterCount, queue);
  } catch (error) {
    throw new SimulationFailure(options.seed, voterCount, error, options.faultInjection, queue.trace);
  }
}

function simulate(
  options: SimulationOptions,
  root: SeededRandom,
  voterCount: number,
  queue: EventQueue,
): SimulationReport {
  const durationMs = options.durationMs ?? 60_000;
  const healAt = Math.max(0, durationMs - HEAL_PHASE_MS);
  const config = raftConfig({ snapshotEveryEntries: 50, ...options.config });
  const netRandom = root.fork();
  const diskRandom = root.fork();
  const nodeRandom = root.fork();
  const nemesisRandom = root.fork();
  const clientRandom = root.fork();
  const pauses = new ProcessPauses(queue);
  const network = new SimNetwork<MetadataCommand>(queue, netRandom, CALM, pauses);
  const checker = new InvariantChecker<MetadataCommand>(() => queue.now);
  network.onSend = (message) => checker.onSend(message);

  const ids = Array.from({ length: voterCount }, (_, i) => i + 1);
  const disks = new Map(
    ids.map((id) => [id, new SimDisk<MetadataCommand>(queue, diskRandom, id, MAX_FSYNC_MS, pauses)]),
  );
  const clockRates = new Map(ids.map((id) => [id, 1 + (nodeRandom.next() - 0.5) * 0.02]));
  const running = new Map<number, Running>();
  const nodes = new Map<number, RaftNode<MetadataCommand>>();
  const stats = { proposals: 0, acknowledged: 0, crashes: 0, pauses: 0, networkFaults: 0, handOffs: 0 };
  const handOffMs: number[] = [];
  const pendingHandOffs: Array<{ from: number; term: number; startedAt: number }> = [];
  let firstAckAfterHeal: number | null = null;

  const start = (id: number): void => {
    const disk = disks.get(id) as SimDisk<MetadataCommand>;
    const alive = { value: true };
    const clock = new NodeClock(queue, id, clockRates.get(id) as number, pauses);
    const stateMachine = new MetadataStateMachine();
    const node: RaftNode<MetadataCommand> = new RaftNode<MetadataCommand>({
      id,
      voters: ids,
      config,
      clock,
      random: nodeRandom.fork(),
      transport: network.transportFor(id, () => alive.value),
      storage: disk.open(),
      persisted: disk.read(),
      stateMachine,
      faultInjection: options.faultInjection,
      onApplied: (entry) =>
        checker.onApplied(id, entry, () => stateMachine.snapshot(), node.status().snapshotIndex, node.term),
      onFatal: (error) => {
        throw error;
      },
    });
    running.set(id, { node, clock, stateMachine, alive });
    nodes.set(id, node);
    checker.onStart(node, id);
    node.start();
  };

  const crash = (id: number): void => {
    const r = running.get(id);
    if (!r) return;
    stats.crashes++;
    r.alive.value = false;
    pauses.clear(id);
    r.clock.kill();
    network.disconnect(id);
    (disks.get(id) as SimDisk<MetadataCommand>).crash();
    running.delete(id);
    nodes.delete(id);
    r.node.stop();
  };

  const leaderNow = (): number | undefined => {
    for (const [id, r] of running) if (r.node.role === 'leader') return id;
    return undefined;
  };

  // --- nemesis: until the heal, one fault every 0.5-4 s, each undone after a while ---------
  let faultGeneration = 0;
  const undoLater = (delayMs: number, label: string, undo: () => void): void => {
    const generation = faultGeneration;
    queue.after(delayMs, label, () => {
      if (generation === faultGeneration) undo();
    });
  };
  const cutLinks = (links: Array<[number, number]>, forMs: number, label: string): void => {
    stats.networkFaults++;
    for (const [a, b] of links) network.cut(a, b);
    undoLater(forMs, `heal ${label}`, () => {
      for (const [a, b] of links) network.restore(a, b);
    });
  };
  /** A planned stop of the leader: it hands over, and is usually stopped soon after. */
  const handOff = (r: SeededRandom): void => {
    const leader = leaderNow();
    const from = leader === undefined ? undefined : running.get(leader);
    if (leader === undefined || !from || pauses.isPaused(leader)) return;
    const term = from.node.term;
    if (from.node.handOffLeadership() === null) return;
    stats.handOffs++;
    pendingHandOffs.push({ from: leader, term, startedAt: queue.now });
    if (r.chance(0.7)) {
      undoLater(r.between(0, 1500), `stop n${leader} after its hand-off`, () => {
        crash(leader);
        undoLater(r.between(100, 3000), `restart n${leader}`, () => {
          if (!running.has(leader)) start(leader);
        });
      });
    }
  };
  const noteHandOffs = (): void => {
    for (let i = pendingHandOffs.length - 1; i >= 0; i--) {
      const pending = pendingHandOffs[i] as (typeof pendingHandOffs)[number];
      const leader = leaderNow();
      const node = leader === undefined ? undefined : running.get(leader)?.node;
      if (leader !== undefined && leader !== pending.from && node && node.term > pending.term) {
        handOffMs.push(queue.now - pending.startedAt);
        pendingHandOffs.splice(i, 1);
      } else if (queue.now - pending.startedAt > LIVENESS_BOUND_MS) {
        pendingHandOffs.splice(i, 1);
      }
    }
  };
  const handOffNemesis = (): void => {
    handOff(nemesisRandom);
    const next = queue.now + nemesisRandom.between(2000, 4000);
    if (next < healAt) queue.at(next, 'nemesis', handOffNemesis);
  };
  const nemesis = (): void => {
    const r = nemesisRandom;
    const kind = r.chance(options.crashAllRate ?? 0.05)
      ? 'crashAll'
      : voterCount === 1
        ? r.pick(['crash', 'pause'])
        : r.pick(['crash', 'crash', 'pause', 'split', 'isolateLeader', 'oneWay', 'weather', 'handOff']);
    const forMs = r.between(300, 8000);
    const leader = leaderNow();
    switch (kind) {
      case 'handOff':
        handOff(r);
        break;
      case 'crash': {
        const candidates = [...running.keys()];
        if (candidates.length === 0) break;
        const id = leader !== undefined && r.chance(0.5) ? leader : r.pick(candidates);
        crash(id);
        undoLater(r.between(100, 6000), `restart n${id}`, () => {
          if (!running.has(id)) start(id);
        });
        break;
      }
      case 'crashAll': {
        const down = [...running.keys()];
        for (const id of down) crash(id);
        undoLater(r.between(100, 3000), 'restart all', () => {
          for (const id of down) if (!running.has(id)) start(id);
        });
        break;
      }
      case 'pause': {
        // SIGSTOP, often of the leader and often longer than an election timeout.
        const id = leader !== undefined && r.chance(0.6) ? leader : r.pick(ids);
        stats.pauses++;
        pauses.pause(id, Math.min(r.between(200, 5000), Math.max(0, healAt - queue.now)));
        break;
      }
      case 'split': {
        const side = new Set(ids.filter(() => r.chance(0.5)));
        const links: Array<[number, number]> = [];
        for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) links.push([a, b]);
        cutLinks(links, forMs, 'split');
        break;
      }
      case 'isolateLeader': {
        const target = leader ?? r.pick(ids);
        const links: Array<[number, number]> = [];
        for (const b of ids) if (b !== target) links.push([target, b], [b, target]);
        cutLinks(links, forMs, `isolation of n${target}`);
        break;
      }
      case 'oneWay': {
        const links: Array<[number, number]> = [];
        for (let i = r.between(1, voterCount); i > 0; i--) {
          const a = r.pick(ids);
          const b = r.pick(ids.filter((x) => x !== a));
          links.push([a, b]);
        }
        cutLinks(links, forMs, 'one-way cut');
        break;
      }
      case 'weather': {
        stats.networkFaults++;
        network.conditions = {
          dropRate: r.pick([0.05, 0.2, 0.5]),
          duplicateRate: r.pick([0.02, 0.1]),
          minDelayMs: 1,
          maxDelayMs: r.pick([10, 50, 200]),
          slowRate: r.pick([0.02, 0.1]),
          slowDelayMs: r.pick([300, 1500]),
        };
        undoLater(forMs, 'calm weather', () => {
          network.conditions = { ...CALM };
        });
        break;
      }
    }
    const next = queue.now + r.between(500, 4000);
    if (next < healAt) queue.at(next, 'nemesis', nemesis);
  };

  // --- clients: propose records to whoever they think leads, probe reads -----------------
  const workload = new MetadataWorkload(clientRandom);
  const client = (name: string): void => {
    let target = clientRandom.pick(ids);
    const tick = (): void => {
      for (const [id, r] of running) {
        if (!pauses.isPaused(id) && r.node.canServeReads()) checker.onRead(id, r.node, nodes);
      }
      const r = running.get(target);
      if (!r || pauses.isPaused(target)) {
        target = clientRandom.pick(ids);
      } else {
        const command = workload.next(r.stateMachine.state);
        const term = r.node.term;
        const proposedAt = queue.now;
        stats.proposals++;
        r.node.propose(command, (outcome) => {
          if (outcome.ok) {
            stats.acknowledged++;
            checker.onAcknowledged(outcome.index, term);
            if (proposedAt >= healAt && firstAckAfterHeal === null) firstAckAfterHeal = queue.now;
          } else {
            target = outcome.error.leaderHint ?? clientRandom.pick(ids);
          }
        });
      }
      queue.after(clientRandom.between(40, 300), `${name} tick`, tick);
    };
    queue.after(clientRandom.between(0, 250), `${name} tick`, tick);
  };

  for (const id of ids) start(id);
  client('c1');
  client('c2');
  if (healAt > 0) {
    queue.at(
      nemesisRandom.between(500, 3000),
      'nemesis',
      options.nemesis === 'handOffs' ? handOffNemesis : nemesis,
    );
  }
  queue.at(healAt, 'heal everything', () => {
    faultGeneration++;
    network.healAll();
    network.conditions = { ...CALM };
    for (const id of ids) if (!running.has(id)) start(id);
  });
  queue.at(healAt + LIVENESS_BOUND_MS, 'liveness check', () => {
    if (firstAckAfterHeal === null) {
      throw new InvariantViolation(
        `at ${queue.now} ms: no proposal committed within ${LIVENESS_BOUND_MS} ms of healing the network and restarting every voter`,
      );
    }
  });
  queue.runUntil(durationMs, () => {
    checker.afterEvent(nodes);
    if (pendingHandOffs.length > 0) noteHandOffs();
  });

  let fsyncs = 0;
  for (const disk of disks.values()) fsyncs += disk.syncs;
  let maxCommitIndex = 0;
  for (const node of nodes.values()) maxCommitIndex = Math.max(maxCommitIndex, node.commitIndex);
  return {
    seed: options.seed,
    voters: voterCount,
    simulatedMs: durationMs,
    events: queue.eventsRun,
    traceHash: queue.traceHash,
    trace: queue.trace,
    ...stats,
    handOffMs,
    maxCommitIndex,
    leaderElections: checker.leaderElections,
    readsChecked: checker.readsChecked,
    fsyncs,
    messagesSent: network.sent,
    recoveryMs: firstAckAfterHeal === null ? -1 : firstAckAfterHeal - healAt,
  };
}
