/**
 * The fault schedule of the fault-matrix test: which faults, in which order, drawn from a
 * seed so that a failing run can be replayed (FJORD_FAULT_SEED, or FJORD_FAULT_SCHEDULE
 * with the kinds spelled out).
 */

/** A fault that hits one target; {@link FaultKind} combines them. */
export const SINGLE_FAULTS = [
  /** The leader of partition 0 is SIGKILLed and restarted. */
  'leader-kill',
  /** The link between the leader of partition 0 and one follower is blackholed, then healed. */
  'broker-link-cut',
  /** The link between the leader of partition 0 and the coordinator is blackholed, then healed. */
  'coordinator-link-cut',
  /** Every link of the leader of partition 0 is blackholed, then healed. */
  'broker-isolated',
  /** The coordinator is SIGKILLed and restarted. */
  'coordinator-kill',
  /** The coordinator is SIGSTOPped for longer than the broker session timeout, then resumed. */
  'coordinator-pause',
  /** The leader of partition 0 is SIGKILLed, its data directory removed, and it restarts empty. */
  'disk-wiped',
] as const;
export type SingleFault = (typeof SINGLE_FAULTS)[number];

/** Pairs injected at the same time by `two-at-once` (never two link faults: one heal ends both). */
export const FAULT_PAIRS: ReadonlyArray<readonly [SingleFault, SingleFault]> = [
  ['leader-kill', 'coordinator-kill'],
  ['leader-kill', 'coordinator-pause'],
  ['broker-link-cut', 'coordinator-kill'],
  ['coordinator-link-cut', 'coordinator-pause'],
  ['disk-wiped', 'coordinator-kill'],
  ['broker-isolated', 'coordinator-kill'],
];

/** The kinds a schedule is made of; a smoke run has one of each. */
export const FAULT_KINDS = [
  ...SINGLE_FAULTS.filter((f) => f !== 'leader-kill'),
  /** Two single faults at once (a pair of {@link FAULT_PAIRS}). */
  'two-at-once',
  /** A follower cut from the leader until the ISR shrinks, then the leader SIGKILLed. */
  'shrunk-isr-leader-kill',
  /** A follower cut from the leader until the ISR shrinks, then the leader's disk wiped. */
  'shrunk-isr-disk-wiped',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One entry of a schedule. */
export interface ScheduledFault {
  kind: FaultKind;
  /** For `two-at-once`: the two faults. */
  pair?: readonly [SingleFault, SingleFault];
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same schedule and jitter. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `count` faults: every kind equally often (rounds of all kinds, each round shuffled), so
 * a run of at least {@link FAULT_KINDS}.length faults injects every kind.
 */
export function buildSchedule(count: number, random: () => number): ScheduledFault[] {
  const schedule: ScheduledFault[] = [];
  while (schedule.length < count) {
    const round = [...FAULT_KINDS];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    for (const kind of round.slice(0, count - schedule.length)) {
      schedule.push(
        kind === 'two-at-once'
          ? { kind, pair: FAULT_PAIRS[Math.floor(random() * FAULT_PAIRS.length)]! }
          : { kind },
      );
    }
  }
  return schedule;
}

/** `two-at-once(leader-kill+coordinator-kill)` or the kind itself. */
export function describeFault(fault: ScheduledFault): string {
  return fault.pair ? `${fault.kind}(${fault.pair.join('+')})` : fault.kind;
}

/**
 * Parses FJORD_FAULT_SCHEDULE: comma-separated {@link describeFault} names, to replay the
 * schedule a failing run printed. Throws naming the entry that is not a fault.
 */
export function parseSchedule(text: string): ScheduledFault[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const pair = /^two-at-once\(([a-z-]+)\+([a-z-]+)\)$/.exec(entry);
      if (pair) {
        const [a, b] = [pair[1], pair[2]] as [SingleFault, SingleFault];
        if (!SINGLE_FAULTS.includes(a) || !SINGLE_FAULTS.includes(b))
          throw new Error(`FJORD_FAULT_SCHEDULE: "${entry}" pairs faults that do not exist`);
        return { kind: 'two-at-once', pair: [a, b] as const };
      }
      if (entry === 'two-at-once' || !FAULT_KINDS.includes(entry as FaultKind))
        throw new Error(
          `FJORD_FAULT_SCHEDULE: "${entry}" is not a fault (one of ${FAULT_KINDS.join(', ')}; two-at-once(a+b))`,
        );
      return { kind: entry as FaultKind };
    });
}
