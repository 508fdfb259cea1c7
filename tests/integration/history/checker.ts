/**
 * Offline checker for the replication fault test's history (JSONL, one event per line),
 * modelled on Jepsen's queue workload checkers: lost, duplicated, reordered and moved
 * records, records visible to consumers and later gone, and failover time.
 */

/** A producer is about to send one record. */
export interface SendEvent {
  type: 'send';
  id: string;
  producer: number;
  key: string;
  value: string;
  /** Send order within the producer (per key order is judged on it). */
  seq: number;
  t: number;
}

/** The broker acknowledged a record at this partition and offset. */
export interface AckEvent {
  type: 'ack';
  id: string;
  partition: number;
  offset: string;
  t: number;
}

/** A send failed; the record may or may not be in the log (indeterminate). */
export interface FailEvent {
  type: 'fail';
  id: string;
  error: string;
  t: number;
}

/**
 * A fault was injected or healed: a process signalled (kill, pause, term; restart, resume),
 * a link blackholed (cut, isolate; heal), a broker's data directory removed (wipe).
 */
export interface FaultEvent {
  type: 'fault';
  action: 'kill' | 'restart' | 'pause' | 'resume' | 'term' | 'cut' | 'isolate' | 'heal' | 'wipe';
  /** The broker hit, when the fault hits one broker. */
  broker?: number;
  /** What was hit otherwise: `coordinator`, or a link such as `broker-1|broker-2`. */
  target?: string;
  /** Name of the scheduled fault this event belongs to (fault-matrix schedules). */
  fault?: string;
  partitionLeader?: number;
  t: number;
}

/** Fault actions that start an outage: failover is measured from each of them. */
const OUTAGE_STARTS: ReadonlySet<FaultEvent['action']> = new Set(['kill', 'pause', 'cut', 'isolate']);

/** A consumer saw a record, during the run ('poll') or in the final read-all ('final'). */
export interface ReadEvent {
  type: 'read';
  source: 'poll' | 'final';
  partition: number;
  offset: string;
  value: string;
}

export type HistoryEvent = SendEvent | AckEvent | FailEvent | FaultEvent | ReadEvent;

/** What the checker found. */
export interface CheckResult {
  sent: number;
  acked: number;
  failed: number;
  /** Acknowledged records absent from the final log. */
  lost: string[];
  /** Records present more than once in the final log (by value). */
  duplicated: string[];
  /** Acknowledged records found at another partition/offset than acknowledged. */
  moved: Array<{ id: string; acked: string; found: string }>;
  /** Acknowledged records of one producer and key whose offsets do not follow send order. */
  reordered: Array<{ producer: number; key: string; ids: [string, string] }>;
  /** Offsets a consumer saw during the run that hold another record (or none) at the end. */
  visibleThenGone: Array<{ at: string; seen: string; final: string | null }>;
  /** Last ack before each kill, pause, cut or isolate to the first ack after it (ms). */
  failoverMs: number[];
  failoverP50Ms: number | null;
  failoverP99Ms: number | null;
}

/**
 * The verdict of a fault test: PASS when nothing acknowledged was lost, duplicated, moved or
 * reordered, nothing seen was gone later, and every partition's replicas were identical.
 */
export function verdictOf(result: CheckResult, replicasIdentical: readonly boolean[]): 'PASS' | 'FAIL' {
  const anomalies =
    result.lost.length +
    result.duplicated.length +
    result.moved.length +
    result.reordered.length +
    result.visibleThenGone.length;
  return anomalies === 0 && replicasIdentical.every(Boolean) ? 'PASS' : 'FAIL';
}

/** Parses JSONL text into events (blank lines ignored). */
export function parseHistory(text: string): HistoryEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as HistoryEvent);
}

/** Checks a history; see {@link CheckResult} for what each list means. */
export function checkHistory(events: readonly HistoryEvent[]): CheckResult {
  const sends = new Map<string, SendEvent>();
  const acks = new Map<string, AckEvent>();
  let failed = 0;
  const finalAt = new Map<string, string>();
  const finalByValue = new Map<string, string[]>();
  const polls: ReadEvent[] = [];
  const faults: FaultEvent[] = [];
  for (const e of events) {
    if (e.type === 'send') sends.set(e.id, e);
    else if (e.type === 'ack') acks.set(e.id, e);
    else if (e.type === 'fail') failed++;
    else if (e.type === 'fault') faults.push(e);
    else if (e.source === 'poll') polls.push(e);
    else {
      const at = `${e.partition}:${e.offset}`;
      finalAt.set(at, e.value);
      finalByValue.set(e.value, [...(finalByValue.get(e.value) ?? []), at]);
    }
  }

  const lost: string[] = [];
  const moved: CheckResult['moved'] = [];
  for (const [id, ack] of acks) {
    const value = sends.get(id)?.value ?? id;
    const found = finalByValue.get(value);
    const acked = `${ack.partition}:${ack.offset}`;
    if (!found) lost.push(id);
    else if (!found.includes(acked)) moved.push({ id, acked, found: found.join(',') });
  }
  const duplicated = [...finalByValue].filter(([, at]) => at.length > 1).map(([value]) => value);

  // Per producer and key, acknowledged records must sit in the log in send order.
  const byProducerKey = new Map<
    string,
    Array<{ seq: number; id: string; offset: bigint; partition: number }>
  >();
  for (const [id, ack] of acks) {
    const send = sends.get(id);
    if (!send) continue;
    const k = `${send.producer}\u0000${send.key}`;
    byProducerKey.set(k, [
      ...(byProducerKey.get(k) ?? []),
      { seq: send.seq, id, offset: BigInt(ack.offset), partition: ack.partition },
    ]);
  }
  const reordered: CheckResult['reordered'] = [];
  for (const [k, list] of byProducerKey) {
    list.sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1]!, list[i]!];
      if (a.partition === b.partition && a.offset >= b.offset) {
        const [producer, key] = k.split('\u0000');
        reordered.push({ producer: Number(producer), key: key!, ids: [a.id, b.id] });
      }
    }
  }

  const visibleThenGone: CheckResult['visibleThenGone'] = [];
  for (const poll of polls) {
    const at = `${poll.partition}:${poll.offset}`;
    const final = finalAt.get(at) ?? null;
    if (final !== poll.value) visibleThenGone.push({ at, seen: poll.value, final });
  }

  const ackTimes = [...acks.values()].map((a) => a.t).sort((a, b) => a - b);
  const failoverMs: number[] = [];
  for (const fault of faults) {
    if (!OUTAGE_STARTS.has(fault.action)) continue;
    const before = lastAtOrBefore(ackTimes, fault.t);
    const after = ackTimes.find((t) => t > fault.t);
    if (before !== undefined && after !== undefined) failoverMs.push(after - before);
  }
  return {
    sent: sends.size,
    acked: acks.size,
    failed,
    lost,
    duplicated,
    moved,
    reordered,
    visibleThenGone,
    failoverMs,
    failoverP50Ms: percentile(failoverMs, 0.5),
    failoverP99Ms: percentile(failoverMs, 0.99),
  };
}

function lastAtOrBefore(sorted: readonly number[], t: number): number | undefined {
  let found: number | undefined;
  for (const x of sorted) {
    if (x > t) break;
    found = x;
  }
  return found;
}

/** Nearest-rank percentile; null for no samples. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
