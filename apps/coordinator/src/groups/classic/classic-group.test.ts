import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../liveness/clock.js';
import { ClassicErrorCode } from './classic-errors.js';
import { ClassicGroup, type JoinInput } from './classic-group.js';

const protocols = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));

function setup() {
  const clock = new ManualClock(0);
  let next = 0;
  const group = new ClassicGroup('g', clock, (clientId) => `${clientId}-${++next}`);
  const join = (input: Partial<JoinInput> = {}) =>
    group.join({
      memberId: '',
      instanceId: null,
      clientId: 'c',
      clientHost: '',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 5_000,
      protocolType: 'consumer',
      protocols: protocols('range', 'roundrobin'),
      ...input,
    });
  return { clock, group, join };
}

describe('ClassicGroup', () => {
  it('completes a rebalance once every known member rejoined; only the leader gets the members', async () => {
    const { group, join } = setup();
    const a = await join();
    expect(a).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range', leader: a.memberId });
    expect(a.members.map((m) => m.memberId)).toEqual([a.memberId]);
    // A second member starts a rebalance; it completes when the first rejoins.
    const pendingB = join({ protocols: protocols('roundrobin', 'range') });
    expect(group.state).toBe('PreparingRebalance');
    expect(group.heartbeat(1, a.memberId).errorCode).toBe(ClassicErrorCode.REBALANCE_IN_PROGRESS);
    const rejoinA = await join({ memberId: a.memberId });
    const b = await pendingB;
    expect(rejoinA.generationId).toBe(2);
    expect(b.generationId).toBe(2);
    expect(rejoinA.members).toHaveLength(2);
    expect(b.members).toEqual([]);
    // One vote each: the tie goes to the first listed of the common protocols.
    expect(b.protocolName).toBe('range');

    const followerSync = group.sync(2, b.memberId, new Map());
    const assignments = new Map([
      [a.memberId, Buffer.from('A')],
      [b.memberId, Buffer.from('B')],
    ]);
    const leaderSync = await group.sync(2, a.memberId, assignments);
    expect(leaderSync.assignment.toString()).toBe('A');
    expect((await followerSync).assignment.toString()).toBe('B');
    expect(group.state).toBe('Stable');
  });

  it('refuses stale generations, unknown members and a different protocol type', async () => {
    const { group, join } = setup();
    const a = await join();
    expect(group.heartbeat(0, a.memberId).errorCode).toBe(ClassicErrorCode.ILLEGAL_GENERATION);
    expect(group.heartbeat(1, 'nobody').errorCode).toBe(ClassicErrorCode.UNKNOWN_MEMBER_ID);
    expect((await join({ protocolType: 'connect' })).errorCode).toBe(
      ClassicErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    expect((await join({ memberId: 'ghost' })).errorCode).toBe(ClassicErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('drops a member that misses its session, and one that does not rejoin within the rebalance timeout', async () => {
    const { clock, group, join } = setup();
    const a = await join();
    await group.sync(1, a.memberId, new Map([[a.memberId, Buffer.from('A')]]));
    const pendingB = join();
    // a never rejoins: after the rebalance timeout the rebalance completes without it.
    clock.advance(5_001);
    group.tick();
    const b = await pendingB;
    expect(b).toMatchObject({ errorCode: 0, generationId: 2, leader: b.memberId });
    expect([...group.members.keys()]).toEqual([b.memberId]);
    // b stops heartbeating: its session expires and the group empties (generation bumped).
    await group.sync(2, b.memberId, new Map());
    clock.advance(10_001);
    group.tick();
    expect(group.state).toBe('Empty');
    expect(group.generationId).toBe(3);
    expect(group.commitProblem(-1, '')).toBeUndefined();
  });

  it('accepts commits while stable, refuses them while the assignment is being synced', async () => {
    const { group, join } = setup();
    const a = await join();
    expect(group.commitProblem(1, a.memberId)?.errorCode).toBe(ClassicErrorCode.REBALANCE_IN_PROGRESS);
    await group.sync(1, a.memberId, new Map());
    expect(group.commitProblem(1, a.memberId)).toBeUndefined();
    expect(group.commitProblem(-1, '')?.errorCode).toBe(ClassicErrorCode.UNKNOWN_MEMBER_ID);
    expect(group.leave([{ memberId: a.memberId, instanceId: null }])[0]!.errorCode).toBe(0);
    expect(group.state).toBe('Empty');
  });

  it('dissolves when the coordinator stops leading: a held join is answered UNKNOWN_MEMBER_ID, no member is left', async () => {
    const { group, join } = setup();
    const a = await join();
    await group.sync(1, a.memberId, new Map([[a.memberId, Buffer.from('A')]]));
    // b's join waits for a to rejoin (a rebalance in progress).
    const pendingB = join();
    group.dissolve('left: the coordinator stopped leading the quorum');
    expect(await pendingB).toMatchObject({ errorCode: ClassicErrorCode.UNKNOWN_MEMBER_ID });
    expect(group.members.size).toBe(0);
  });
});
