import { ErrorCode } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import { applyAll } from '../metadata/apply.js';
import { groupById } from '../metadata/group-records.js';
import { type Assignment, type GroupMembership, toKeys } from '../metadata/group-state.js';
import { metadataRecord } from '../metadata/records.js';
import { emptyState, type MetadataState } from '../metadata/state.js';
import { type HeartbeatInput, heartbeat, MAX_REBALANCE_TIMEOUT_MS } from './heartbeat.js';
import { removeMember } from './membership.js';
import { planCommit } from './offsets.js';
import { MAX_SUBSCRIPTION_REGEX_LENGTH } from './subscription.js';

function stateWithTopics(topics: Record<string, number>): MetadataState {
  return applyAll(emptyState(), [
    metadataRecord({ type: 'InitCluster', clusterId: 'c' }),
    ...Object.entries(topics).map(([name, n]) =>
      metadataRecord({
        type: 'CreateTopic',
        topicId: `id-${name}`,
        name,
        configs: {},
        partitions: Array.from({ length: n }, (_, partition) => ({
          partition,
          replicas: [1],
          leader: 1,
          isr: [1],
        })),
      }),
    ),
  ]);
}

/** A tiny harness: a state with a group, applying each successful heartbeat like the server does. */
class Harness {
  group: GroupMembership | undefined;
  constructor(public state: MetadataState) {}

  beat(input: Partial<HeartbeatInput> & { memberId: string; memberEpoch: number }) {
    const full: HeartbeatInput = {
      groupId: 'g',
      instanceId: null,
      rebalanceTimeoutMs: 1000,
      sessionTimeoutMs: 1000,
      subscribedTopics: ['t'],
      subscribedRegex: null,
      assignor: '',
      owned: {},
      ...input,
    };
    const out = heartbeat(this.state, this.group, full, () => 'generated');
    if (out.ok) {
      this.group = out.group;
      if (out.group)
        this.state = applyAll(this.state, [metadataRecord({ type: 'GroupUpdate', group: out.group })]);
    }
    return out;
  }

  /** Every member heartbeats with what it was last given until nothing changes. */
  settle(owned: Record<string, Assignment>): void {
    for (let round = 0; round < 10; round++) {
      for (const id of Object.keys(this.group!.members)) {
        const m = this.group!.members[id]!;
        const out = this.beat({ memberId: id, memberEpoch: m.memberEpoch, owned: owned[id] ?? {} });
        if (out.ok) owned[id] = out.assignment;
        this.assertNoDoubleOwnership(owned);
      }
    }
  }

  assertNoDoubleOwnership(owned: Record<string, Assignment>): void {
    const seen = new Set<string>();
    for (const [id, a] of Object.entries(owned)) {
      if (!this.group!.members[id]) continue;
      for (const k of toKeys(a)) {
        expect(seen.has(k), `${k} owned twice`).toBe(false);
        seen.add(k);
      }
    }
  }
}

describe('consumer group heartbeat state machine', () => {
  it('rejects an empty group id, an empty subscription, an invalid regex and unknown assignors', () => {
    const h = new Harness(stateWithTopics({ t: 1 }));
    expect(h.beat({ groupId: ' ', memberId: 'a', memberEpoch: 0 })).toMatchObject({
      ok: false,
      errorCode: ErrorCode.INVALID_GROUP_ID,
    });
    expect(h.beat({ memberId: 'a', memberEpoch: 0, subscribedTopics: [] })).toMatchObject({
      ok: false,
      errorCode: ErrorCode.INVALID_REQUEST,
    });
    expect(
      h.beat({ memberId: 'a', memberEpoch: 0, subscribedTopics: [], subscribedRegex: '(' }),
    ).toMatchObject({
      ok: false,
      errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION,
    });
    expect(h.beat({ memberId: 'a', memberEpoch: 0, assignor: 'magic' })).toMatchObject({
      ok: false,
      errorCode: ErrorCode.UNSUPPORTED_ASSIGNOR,
    });
    expect(h.group).toBeUndefined();
  });

  it('revokes before reassigning: a partition never has two owners', () => {
    const h = new Harness(stateWithTopics({ t: 4 }));
    const owned: Record<string, Assignment> = {};
    const a = h.beat({ memberId: 'a', memberEpoch: 0 });
    expect(a).toMatchObject({ ok: true, assignment: { t: [0, 1, 2, 3] } });
    const epochA = a.ok ? a.memberEpoch : -1;
    owned.a = { t: [0, 1, 2, 3] };
    const b = h.beat({ memberId: 'b', memberEpoch: 0 });
    // b joins, but a still holds everything: b gets nothing yet.
    expect(b).toMatchObject({ ok: true, assignment: {} });
    owned.b = {};
    // a is asked to give up two partitions and keeps its epoch until it confirms.
    const revoke = h.beat({ memberId: 'a', memberEpoch: epochA, owned: owned.a });
    expect(revoke.ok && toKeys(revoke.assignment)).toHaveLength(2);
    expect(revoke.ok && revoke.memberEpoch).toBe(epochA);
    // Until a confirms, b still gets nothing.
    const epochB = h.group!.members.b!.memberEpoch;
    expect(h.beat({ memberId: 'b', memberEpoch: epochB, owned: {} })).toMatchObject({
      ok: true,
      assignment: {},
    });
    h.settle(owned);
    expect(toKeys(owned.a!)).toHaveLength(2);
    expect(toKeys(owned.b!)).toHaveLength(2);
    expect(h.group!.members.a!.memberEpoch).toBe(h.group!.assignmentEpoch);
  });

  it('fences old epochs and unknown members', () => {
    const h = new Harness(stateWithTopics({ t: 2 }));
    h.beat({ memberId: 'a', memberEpoch: 0 });
    expect(h.beat({ memberId: 'a', memberEpoch: 7 })).toMatchObject({
      ok: false,
      errorCode: ErrorCode.FENCED_MEMBER_EPOCH,
    });
    expect(h.beat({ memberId: 'zombie', memberEpoch: 1 })).toMatchObject({
      ok: false,
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
    });
  });

  it('frees a leaving member’s partitions at once', () => {
    const h = new Harness(stateWithTopics({ t: 4 }));
    const owned: Record<string, Assignment> = {};
    h.beat({ memberId: 'a', memberEpoch: 0 });
    h.beat({ memberId: 'b', memberEpoch: 0 });
    h.settle(owned);
    h.beat({ memberId: 'b', memberEpoch: -1 });
    h.settle(owned);
    expect(owned.a).toEqual({ t: [0, 1, 2, 3] });
  });

  it('lets a static member come back under a new member id with its partitions, without a rebalance', () => {
    const h = new Harness(stateWithTopics({ t: 4 }));
    const owned: Record<string, Assignment> = {};
    h.beat({ memberId: 'a', memberEpoch: 0, instanceId: 'i-a' });
    h.beat({ memberId: 'b', memberEpoch: 0 });
    h.settle(owned);
    const epoch = h.group!.groupEpoch;
    const had = owned.a;
    h.beat({ memberId: 'a', memberEpoch: -2, instanceId: 'i-a', owned: owned.a });
    expect(h.group!.members.a!.away).toBe(true);
    const back = h.beat({ memberId: 'a2', memberEpoch: 0, instanceId: 'i-a' });
    expect(back).toMatchObject({ ok: true, assignment: had, removedMemberIds: ['a'] });
    expect(h.group!.groupEpoch).toBe(epoch);
  });

  it('assigns new partitions and new topics matching a regex', () => {
    const h = new Harness(stateWithTopics({ 'orders-1': 1 }));
    h.beat({ memberId: 'a', memberEpoch: 0, subscribedTopics: [], subscribedRegex: 'orders-.*' });
    h.state = applyAll(h.state, [
      metadataRecord({
        type: 'CreateTopic',
        topicId: 'id-o2',
        name: 'orders-2',
        configs: {},
        partitions: [{ partition: 0, replicas: [1], leader: 1, isr: [1] }],
      }),
    ]);
    const out = h.beat({
      memberId: 'a',
      memberEpoch: h.group!.members.a!.memberEpoch,
      subscribedTopics: [],
      subscribedRegex: 'orders-.*',
      owned: { 'orders-1': [0] },
    });
    expect(out).toMatchObject({ ok: true, assignment: { 'orders-1': [0], 'orders-2': [0] } });
  });

  it('a subscription regex must match the whole topic name, as Kafka’s Pattern.matcher(name).matches()', () => {
    const topics = { orders: 1, 'orders-eu': 1, 'eu-orders': 1 };
    const assigned = (regex: string) => {
      const h = new Harness(stateWithTopics(topics));
      const out = h.beat({ memberId: 'a', memberEpoch: 0, subscribedTopics: [], subscribedRegex: regex });
      return out.ok ? Object.keys(out.assignment).sort() : out;
    };
    expect(assigned('orders')).toEqual(['orders']);
    expect(assigned('orders.*')).toEqual(['orders', 'orders-eu']);
    expect(assigned('.*orders')).toEqual(['eu-orders', 'orders']);
    expect(assigned('^orders-')).toEqual([]);
  });

  it('evaluates subscription regexes in linear time (RE2): ^(a+)+$ against aaaa…a-', () => {
    const h = new Harness(stateWithTopics({ [`${'a'.repeat(27)}-`]: 1, aaa: 1 }));
    const started = performance.now();
    const out = h.beat({ memberId: 'a', memberEpoch: 0, subscribedTopics: [], subscribedRegex: '^(a+)+$' });
    // A backtracking engine takes seconds here (2^27 paths); RE2 takes microseconds.
    expect(performance.now() - started).toBeLessThan(100);
    expect(out).toMatchObject({ ok: true, assignment: { aaa: [0] } });
  });

  it('refuses regexes that are not RE2 or too long with INVALID_REGULAR_EXPRESSION', () => {
    const h = new Harness(stateWithTopics({ ab: 1 }));
    for (const regex of ['(?<=a)b', '(a)\\1', `a{1,5}${'b'.repeat(MAX_SUBSCRIPTION_REGEX_LENGTH)}`]) {
      const out = h.beat({ memberId: 'a', memberEpoch: 0, subscribedTopics: [], subscribedRegex: regex });
      expect(out).toMatchObject({ ok: false, errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION });
      expect(!out.ok && out.message).toMatch(/regex/);
    }
    expect(h.group).toBeUndefined();
  });

  it('refuses a static instance id while its holder is alive (UNRELEASED_INSTANCE_ID)', () => {
    const h = new Harness(stateWithTopics({ t: 2 }));
    const owned: Record<string, Assignment> = {};
    h.beat({ memberId: 'a', memberEpoch: 0, instanceId: 'i-a' });
    h.settle(owned);
    const thief = h.beat({ memberId: 'b', memberEpoch: 0, instanceId: 'i-a' });
    expect(thief).toMatchObject({ ok: false, errorCode: ErrorCode.UNRELEASED_INSTANCE_ID });
    expect(Object.keys(h.group!.members)).toEqual(['a']);
    // Once the holder leaves with -2 (static leave), the instance id can be taken over.
    h.beat({ memberId: 'a', memberEpoch: -2, instanceId: 'i-a', owned: owned.a });
    expect(h.beat({ memberId: 'b', memberEpoch: 0, instanceId: 'i-a' })).toMatchObject({
      ok: true,
      assignment: { t: [0, 1] },
      removedMemberIds: ['a'],
    });
  });

  it('caps the rebalance timeout', () => {
    const h = new Harness(stateWithTopics({ t: 1 }));
    h.beat({ memberId: 'a', memberEpoch: 0, rebalanceTimeoutMs: 2_147_483_647 });
    expect(h.group!.members.a!.rebalanceTimeoutMs).toBe(MAX_REBALANCE_TIMEOUT_MS);
  });

  it('removes a member and reassigns (session expiry path)', () => {
    const h = new Harness(stateWithTopics({ t: 2 }));
    const owned: Record<string, Assignment> = {};
    h.beat({ memberId: 'a', memberEpoch: 0 });
    h.beat({ memberId: 'b', memberEpoch: 0 });
    h.settle(owned);
    removeMember(h.state, h.group!, 'a');
    h.state = applyAll(h.state, [metadataRecord({ type: 'GroupUpdate', group: h.group! })]);
    h.settle(owned);
    expect(owned.b).toEqual({ t: [0, 1] });
  });
  it('keeps what an incremental (Kafka) heartbeat leaves unchanged, and takes no revocation as done', () => {
    const h = new Harness(stateWithTopics({ t: 4, u: 2 }));
    const joined = h.beat({
      memberId: 'a',
      memberEpoch: 0,
      subscribedTopics: ['t'],
      rebalanceTimeoutMs: 9000,
    });
    const epochA = joined.ok ? joined.memberEpoch : -1;
    // A join is complete: "unchanged" cannot stand in for the first subscription.
    expect(
      h.beat({
        memberId: 'x',
        memberEpoch: 0,
        subscribedTopics: [],
        unchanged: { subscribedTopics: true, subscribedRegex: true },
      }),
    ).toMatchObject({ ok: false, errorCode: ErrorCode.INVALID_REQUEST });
    const keepAlive = h.beat({
      memberId: 'a',
      memberEpoch: epochA,
      subscribedTopics: [],
      rebalanceTimeoutMs: -1,
      owned: {},
      unchanged: {
        subscribedTopics: true,
        subscribedRegex: true,
        rebalanceTimeout: true,
        ownedPartitions: true,
      },
    });
    expect(keepAlive).toMatchObject({ ok: true, memberEpoch: epochA, assignment: { t: [0, 1, 2, 3] } });
    expect(h.group!.members.a).toMatchObject({ subscribedTopics: ['t'], rebalanceTimeoutMs: 9000 });

    h.beat({ memberId: 'b', memberEpoch: 0, subscribedTopics: ['t'] });
    const revoking = h.beat({ memberId: 'a', memberEpoch: epochA, owned: { t: [0, 1, 2, 3] } });
    expect(revoking.ok && toKeys(revoking.assignment)).toHaveLength(2);
    // Owned partitions left unchanged: a still holds what it must give up, so b gets nothing.
    h.beat({ memberId: 'a', memberEpoch: epochA, unchanged: { ownedPartitions: true } });
    expect(h.group!.members.a!.revoking).not.toEqual({});
    const epochB = h.group!.members.b!.memberEpoch;
    expect(h.beat({ memberId: 'b', memberEpoch: epochB, owned: {} })).toMatchObject({
      ok: true,
      assignment: {},
    });

    // A changed subscription sent in full replaces the kept one.
    const resubscribed = h.beat({
      memberId: 'a',
      memberEpoch: epochA,
      subscribedTopics: ['u'],
      owned: revoking.ok ? revoking.assignment : {},
    });
    expect(resubscribed.ok).toBe(true);
    expect(h.group!.members.a!.subscribedTopics).toEqual(['u']);
  });
});

describe('offset commits', () => {
  it('accept only owned partitions, and store a lower offset (a consumer that sought back)', () => {
    const h = new Harness(stateWithTopics({ t: 2 }));
    h.beat({ memberId: 'a', memberEpoch: 0 });
    const group = () => groupById(h.state, 'g')!;
    const e = group().members.a!.memberEpoch;
    const plan = planCommit(group(), 'a', e, [{ topic: 't', partition: 0, offset: 10n, metadata: '' }]);
    expect(plan).toMatchObject({ ok: true, toStore: [{ offset: 10n }] });
    h.state = applyAll(h.state, [
      metadataRecord({
        type: 'GroupOffsetCommit',
        groupId: 'g',
        offsets: [{ topic: 't', partition: 0, offset: '10', metadata: '' }],
      }),
    ]);
    const back = planCommit(group(), 'a', e, [{ topic: 't', partition: 0, offset: 5n, metadata: '' }]);
    expect(back).toMatchObject({ ok: true, toStore: [{ offset: 5n }] });
    const notOwned = planCommit(group(), 'a', e, [
      { topic: 'other', partition: 0, offset: 5n, metadata: '' },
    ]);
    expect(notOwned.ok && notOwned.results[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(planCommit(group(), 'x', e, [])).toMatchObject({
      ok: false,
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
    });
    expect(planCommit(group(), 'a', e + 1, [])).toMatchObject({
      ok: false,
      errorCode: ErrorCode.FENCED_MEMBER_EPOCH,
    });
    expect(planCommit(undefined, 'a', 1, [])).toMatchObject({
      ok: false,
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
    });
  });
});
