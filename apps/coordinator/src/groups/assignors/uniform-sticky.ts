import { fromPairs } from '../../metadata/group-state.js';
import type { Assignor } from './assignor.js';

/**
 * The default assignor: spreads partitions evenly over the members subscribed to them while
 * moving as few as possible. Each member keeps what it has (if still subscribed and the
 * partition exists), down to its fair share; unowned partitions go to the least loaded
 * subscriber; then single partitions move from the most to the least loaded member until
 * counts differ by at most one (where subscriptions allow it).
 */
export const uniformStickyAssignor: Assignor = ({ members, topicPartitions }) => {
  const ordered = [...members].sort((a, b) => compare(a.memberId, b.memberId));
  const owned = new Map<string, string[]>(ordered.map((m) => [m.memberId, []]));
  const owner = new Map<string, string>();
  const subscribed = (memberId: string, topic: string) =>
    ordered.find((m) => m.memberId === memberId)?.topics.includes(topic) ?? false;
  const all: string[] = [];
  for (const topic of Object.keys(topicPartitions).sort()) {
    if (!ordered.some((m) => m.topics.includes(topic))) continue;
    for (let p = 0; p < (topicPartitions[topic] ?? 0); p++) all.push(key(topic, p));
  }
  const valid = new Set(all);
  // Fair share if everyone could take everything: a ceiling keeps stickiness from hoarding.
  const ceiling = ordered.length === 0 ? 0 : Math.ceil(all.length / ordered.length);

  // 1. Stickiness: keep current partitions (first claim wins should two members claim one).
  for (const member of ordered) {
    for (const [topic, partitions] of Object.entries(member.current)) {
      for (const p of partitions) {
        const k = key(topic, p);
        const mine = owned.get(member.memberId)!;
        if (!valid.has(k) || owner.has(k) || !member.topics.includes(topic) || mine.length >= ceiling)
          continue;
        owner.set(k, member.memberId);
        mine.push(k);
      }
    }
  }
  // 2. Unowned partitions to the least loaded subscriber.
  for (const k of all) {
    if (owner.has(k)) continue;
    const topic = topicOf(k);
    const target = leastLoaded(
      ordered.map((m) => m.memberId).filter((id) => subscribed(id, topic)),
      owned,
    );
    if (target === undefined) continue;
    owner.set(k, target);
    owned.get(target)!.push(k);
  }
  // 3. Balance: move one partition at a time from the most to a less loaded member.
  for (let moved = true; moved; ) {
    moved = false;
    const byLoad = [...owned.keys()].sort(
      (a, b) => owned.get(b)!.length - owned.get(a)!.length || compare(a, b),
    );
    for (const from of byLoad) {
      const fromList = owned.get(from)!;
      for (const k of [...fromList].reverse()) {
        const candidates = [...owned.keys()].filter(
          (id) => id !== from && subscribed(id, topicOf(k)) && owned.get(id)!.length < fromList.length - 1,
        );
        const to = leastLoaded(candidates, owned);
        if (to === undefined) continue;
        fromList.splice(fromList.indexOf(k), 1);
        owned.get(to)!.push(k);
        owner.set(k, to);
        moved = true;
        break;
      }
      if (moved) break;
    }
  }
  return Object.fromEntries(
    [...owned].map(([id, keys]) => [id, fromPairs(keys.map((k) => [topicOf(k), partitionOf(k)] as const))]),
  );
};

function leastLoaded(ids: string[], owned: Map<string, string[]>): string | undefined {
  let best: string | undefined;
  for (const id of ids) {
    if (best === undefined || owned.get(id)!.length < owned.get(best)!.length) best = id;
  }
  return best;
}

// Topic names never contain ':' ([a-zA-Z0-9._-]), but the last ':' is used to be safe.
function key(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
function topicOf(k: string): string {
  return k.slice(0, k.lastIndexOf(':'));
}
function partitionOf(k: string): number {
  return Number(k.slice(k.lastIndexOf(':') + 1));
}
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
