/**
 * Offline checker of a consumer-group churn history (JSONL written by the members and the
 * test): ownership intervals never overlap, every acknowledged record was delivered, and
 * duplicates come only from members that were killed (their uncommitted records).
 */

export type GroupHistoryEvent =
  | { type: 'started' | 'closed' | 'killed'; member: string; t: number }
  | { type: 'assigned' | 'revoked' | 'lost'; member: string; t: number; partitions: number[] }
  | { type: 'delivered'; member: string; t: number; partition: number; offset: string; value: string };

export interface GroupCheckResult {
  problems: string[];
  delivered: number;
  duplicates: number;
  intervals: number;
}

interface Interval {
  member: string;
  partition: number;
  from: number;
  to: number;
}

/** Parses JSONL (ignores a torn last line of a killed writer). */
export function parseHistory(text: string): GroupHistoryEvent[] {
  const events: GroupHistoryEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as GroupHistoryEvent);
    } catch {
      // A line cut by SIGKILL.
    }
  }
  return events;
}

/** Checks a history against the values the producer had acknowledged. */
export function checkGroupHistory(
  events: readonly GroupHistoryEvent[],
  acked: readonly string[],
): GroupCheckResult {
  const problems: string[] = [];
  const intervals: Interval[] = [];
  const open = new Map<string, number>(); // member:partition -> since
  const killed = new Set<string>();
  const end = Math.max(0, ...events.map((e) => e.t)) + 1;
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    if (e.type === 'assigned') {
      for (const p of e.partitions) {
        const k = `${e.member}:${p}`;
        if (open.has(k)) problems.push(`${e.member} assigned partition ${p} twice`);
        open.set(k, e.t);
      }
    } else if (e.type === 'revoked' || e.type === 'lost') {
      for (const p of e.partitions) {
        const k = `${e.member}:${p}`;
        const from = open.get(k);
        if (from === undefined) continue;
        intervals.push({ member: e.member, partition: p, from, to: e.t });
        open.delete(k);
      }
    } else if (e.type === 'killed' || e.type === 'closed') {
      if (e.type === 'killed') killed.add(e.member);
      for (const [k, from] of [...open]) {
        const [member, p] = [k.slice(0, k.lastIndexOf(':')), Number(k.slice(k.lastIndexOf(':') + 1))];
        if (member !== e.member) continue;
        intervals.push({ member, partition: p, from, to: e.t });
        open.delete(k);
      }
    }
  }
  for (const [k, from] of open) {
    intervals.push({
      member: k.slice(0, k.lastIndexOf(':')),
      partition: Number(k.slice(k.lastIndexOf(':') + 1)),
      from,
      to: end,
    });
  }
  // No partition owned by two members at the same time.
  const byPartition = new Map<number, Interval[]>();
  for (const i of intervals) byPartition.set(i.partition, [...(byPartition.get(i.partition) ?? []), i]);
  for (const [p, list] of byPartition) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      if (cur.from < prev.to && cur.member !== prev.member) {
        problems.push(
          `partition ${p} owned by ${prev.member} [${prev.from},${prev.to}) and ${cur.member} from ${cur.from}`,
        );
      }
    }
  }
  // Every acknowledged record delivered; duplicates only after a killed member had it.
  const deliveries = new Map<string, string[]>();
  let delivered = 0;
  for (const e of events) {
    if (e.type !== 'delivered') continue;
    delivered++;
    deliveries.set(e.value, [...(deliveries.get(e.value) ?? []), e.member]);
  }
  const missing = acked.filter((v) => !deliveries.has(v));
  if (missing.length > 0)
    problems.push(
      `${missing.length} acknowledged records never delivered, e.g. ${missing.slice(0, 5).join(', ')}`,
    );
  let duplicates = 0;
  for (const [value, members] of deliveries) {
    if (members.length < 2) continue;
    duplicates += members.length - 1;
    if (!members.slice(0, -1).some((m) => killed.has(m))) {
      problems.push(
        `${value} delivered ${members.length} times (${members.join(', ')}) without a killed member`,
      );
    }
  }
  return { problems, delivered, duplicates, intervals: intervals.length };
}
