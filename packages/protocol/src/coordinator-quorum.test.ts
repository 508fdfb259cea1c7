import { describe, expect, it } from 'vitest';
import type { CoordinatorFailure } from './coordinator-failure.js';
import { CoordinatorQuorum, type QuorumView } from './coordinator-quorum.js';

/** What a simulated coordinator at one address does with a request. */
type Behaviour = 'leader' | 'unreachable' | { follower: string | undefined } | 'bad-request';

class Failure extends Error {
  constructor(readonly failure: CoordinatorFailure | { kind: 'final' }) {
    super(failure.kind);
  }
}

/** A quorum of simulated coordinators, and the log of which addresses were asked. */
function simulated(behaviours: Record<string, Behaviour>) {
  const asked: string[] = [];
  const attempt = async (address: string): Promise<string> => {
    asked.push(address);
    const behaviour = behaviours[address] ?? 'unreachable';
    if (behaviour === 'leader') return `answer from ${address}`;
    if (behaviour === 'unreachable') throw new Failure({ kind: 'unreachable' });
    if (behaviour === 'bad-request') throw new Failure({ kind: 'final' });
    throw new Failure(
      behaviour.follower === undefined
        ? { kind: 'not-coordinator' }
        : { kind: 'not-coordinator', leaderHint: behaviour.follower },
    );
  };
  const classify = (error: unknown): CoordinatorFailure => (error as Failure).failure;
  return { asked, attempt, classify };
}

const view = (leaderId: number, term: number, ids = [1, 2, 3], nodeId = 1): QuorumView => ({
  nodeId,
  leaderId,
  term: String(term),
  voters: ids.map((id) => ({ id, address: `c${id}:1` })),
});

describe('CoordinatorQuorum', () => {
  it('follows a NOT_COORDINATOR hint to the leader and sends the next call there first', async () => {
    const sim = simulated({ 'c1:1': { follower: 'c3:1' }, 'c2:1': { follower: 'c3:1' }, 'c3:1': 'leader' });
    const quorum = new CoordinatorQuorum({ bootstrap: ['c1:1', 'c2:1'] });
    await expect(quorum.call(sim.attempt, sim)).resolves.toBe('answer from c3:1');
    expect(sim.asked).toEqual(['c1:1', 'c3:1']);
    expect(quorum.leader).toBe('c3:1');
    expect(quorum.addresses).toEqual(['c1:1', 'c2:1', 'c3:1']);
    await quorum.call(sim.attempt, sim);
    expect(sim.asked).toEqual(['c1:1', 'c3:1', 'c3:1']);
  });

  it('moves past an unreachable leader and followers that know no leader', async () => {
    const behaviours: Record<string, Behaviour> = { 'c1:1': 'leader', 'c2:1': { follower: undefined } };
    const sim = simulated(behaviours);
    const quorum = new CoordinatorQuorum({ bootstrap: ['c1:1', 'c2:1', 'c3:1'] });
    await quorum.call(sim.attempt, sim);
    // c1 dies; c3 is elected.
    behaviours['c1:1'] = 'unreachable';
    behaviours['c3:1'] = 'leader';
    await expect(quorum.call(sim.attempt, sim)).resolves.toBe('answer from c3:1');
    expect(sim.asked).toEqual(['c1:1', 'c1:1', 'c2:1', 'c3:1']);
  });

  it('does not wait on a coordinator that did not answer again while the others say an election is running', async () => {
    const behaviours: Record<string, Behaviour> = {
      'c1:1': 'leader',
      'c2:1': { follower: undefined },
      'c3:1': { follower: undefined },
    };
    const sim = simulated(behaviours);
    const quorum = new CoordinatorQuorum({ bootstrap: ['c1:1', 'c2:1', 'c3:1'] });
    await quorum.call(sim.attempt, sim);
    // c1 stops (SIGSTOP, a cut: every attempt there costs a deadline); an election runs.
    behaviours['c1:1'] = 'unreachable';
    await expect(quorum.call(sim.attempt, sim)).rejects.toThrow('not-coordinator');
    await expect(quorum.call(sim.attempt, sim)).rejects.toThrow('not-coordinator');
    expect(sim.asked).toEqual(['c1:1', 'c1:1', 'c2:1', 'c3:1', 'c2:1', 'c3:1']);
    // Back, and named leader by a follower: asked again at once.
    behaviours['c1:1'] = 'leader';
    behaviours['c2:1'] = { follower: 'c1:1' };
    sim.asked.length = 0;
    await expect(quorum.call(sim.attempt, sim)).resolves.toBe('answer from c1:1');
    expect(sim.asked).toEqual(['c2:1', 'c1:1']);
    await quorum.call(sim.attempt, sim);
    expect(sim.asked).toEqual(['c2:1', 'c1:1', 'c1:1']);
  });

  it('still asks a coordinator that did not answer when no other one answers', async () => {
    const behaviours: Record<string, Behaviour> = {};
    const sim = simulated(behaviours);
    const quorum = new CoordinatorQuorum({ bootstrap: ['c1:1', 'c2:1'] });
    await expect(quorum.call(sim.attempt, sim)).rejects.toThrow('unreachable');
    await expect(quorum.call(sim.attempt, sim)).rejects.toThrow('unreachable');
    expect(sim.asked).toEqual(['c1:1', 'c2:1', 'c1:1', 'c2:1']);
    behaviours['c2:1'] = 'leader';
    await expect(quorum.call(sim.attempt, sim)).resolves.toBe('answer from c2:1');
  });

  it('asks each address once per call and throws the last failure when no leader answers', async () => {
    // An election is running: the followers name the dead leader, which does not answer.
    const sim = simulated({ 'c1:1': { follower: 'c3:1' }, 'c2:1': { follower: 'c3:1' } });
    const quorum = new CoordinatorQuorum({ bootstrap: ['c1:1', 'c2:1', 'c3:1'] });
    const error = await quorum.call(sim.attempt, sim).catch((e: unknown) => e);
    expect((error as Failure).failure).toEqual({ kind: 'not-coordinator', leaderHint: 'c3:1' });
    expect(sim.asked).toEqual(['c1:1', 'c3:1', 'c2:1']);
    expect(quorum.leader).toBeUndefined();
  });

  it('hands every failure to `exhausted` to build the error thrown', async () => {
    const sim = simulated({});
    const quorum = new CoordinatorQuorum({ bootstrap: ['c1:1', 'c2:1'] });
    const error = await quorum
      .call(sim.attempt, {
        ...sim,
        exhausted: (failures) => new Error(`tried ${failures.map((f) => f.address).join(',')}`),
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('tried c1:1,c2:1');
  });

  it('throws a final failure at once, without asking anyone else', async () => {
    const sim = simulated({ 'c1:1': 'bad-request', 'c2:1': 'leader' });
    const quorum = new CoordinatorQuorum({ bootstrap: ['c1:1', 'c2:1'] });
    await expect(quorum.call(sim.attempt, sim)).rejects.toThrow('final');
    expect(sim.asked).toEqual(['c1:1']);
  });

  it('learns every voter from one bootstrap address through DescribeQuorum', async () => {
    const sim = simulated({ 'c1:1': { follower: undefined }, 'c2:1': 'leader' });
    const described: string[] = [];
    const quorum = new CoordinatorQuorum({
      bootstrap: ['c1:1'],
      describe: async (address) => {
        described.push(address);
        return view(2, 4);
      },
    });
    await expect(quorum.call(sim.attempt, sim)).resolves.toBe('answer from c2:1');
    expect(described).toEqual(['c1:1']);
    expect(quorum.addresses).toEqual(['c1:1', 'c2:1', 'c3:1']);
    // The answer named the leader: the first attempt went straight to it.
    expect(sim.asked).toEqual(['c2:1']);
  });

  it('describes the quorum once for concurrent first calls, and again after a call found no leader', async () => {
    const behaviours: Record<string, Behaviour> = { 'c1:1': 'leader' };
    const sim = simulated(behaviours);
    let describes = 0;
    const quorum = new CoordinatorQuorum({
      bootstrap: ['c1:1'],
      describe: async () => {
        describes++;
        return view(1, 1, [1]);
      },
    });
    await Promise.all([quorum.call(sim.attempt, sim), quorum.call(sim.attempt, sim)]);
    expect(describes).toBe(1);
    behaviours['c1:1'] = 'unreachable';
    await expect(quorum.call(sim.attempt, sim)).rejects.toThrow('unreachable');
    behaviours['c1:1'] = 'leader';
    await quorum.call(sim.attempt, sim);
    expect(describes).toBe(2);
  });

  it('goes on with the bootstrap addresses when no coordinator answers DescribeQuorum', async () => {
    const sim = simulated({ 'c2:1': 'leader' });
    const quorum = new CoordinatorQuorum({
      bootstrap: ['c1:1', 'c2:1'],
      describe: async () => {
        throw new Error('UNIMPLEMENTED');
      },
    });
    await expect(quorum.call(sim.attempt, sim)).resolves.toBe('answer from c2:1');
  });

  it('keeps the address a coordinator answered at instead of the one it advertises', async () => {
    // A lone coordinator behind a proxy advertises its own address, which this client may not reach.
    const sim = simulated({ 'proxy:1': 'leader' });
    const quorum = new CoordinatorQuorum({
      bootstrap: ['proxy:1'],
      describe: async () => ({ nodeId: 1, leaderId: 1, term: '1', voters: [{ id: 1, address: 'hidden:1' }] }),
    });
    await expect(quorum.call(sim.attempt, sim)).resolves.toBe('answer from proxy:1');
    expect(quorum.addresses).toEqual(['proxy:1']);
    expect(sim.asked).toEqual(['proxy:1']);
  });

  it('skips voters named without an address (none on the listener asked) and a leader without one', () => {
    const quorum = new CoordinatorQuorum({ bootstrap: ['c1:1'] });
    const answer: QuorumView = {
      nodeId: 1,
      leaderId: 3,
      term: '2',
      voters: [
        { id: 1, address: 'c1:1' },
        { id: 2, address: 'c2:1' },
        { id: 3, address: '' },
      ],
    };
    expect(quorum.learn(answer)).toBe(true);
    expect(quorum.addresses).toEqual(['c1:1', 'c2:1']);
    // Left unknown rather than pointed at an empty address: the next call tries the known ones.
    expect(quorum.leader).toBeUndefined();
  });

  it('ignores a DescribeQuorum answer of an older term than one already seen', () => {
    const quorum = new CoordinatorQuorum({ bootstrap: ['c1:1'] });
    expect(quorum.learn(view(2, 5))).toBe(true);
    expect(quorum.leader).toBe('c2:1');
    expect(quorum.learn(view(1, 4))).toBe(false);
    expect(quorum.leader).toBe('c2:1');
    expect(quorum.term).toBe(5n);
    // Same term, leader unknown (the voter has not heard from it yet): the belief is dropped,
    // not moved back.
    expect(quorum.learn(view(-1, 6))).toBe(true);
    expect(quorum.leader).toBeUndefined();
  });

  it('reports leader changes', async () => {
    const changes: Array<string | undefined> = [];
    const sim = simulated({ 'c1:1': { follower: 'c2:1' }, 'c2:1': 'leader' });
    const quorum = new CoordinatorQuorum({
      bootstrap: ['c1:1'],
      onLeaderChange: (leader) => changes.push(leader),
    });
    await quorum.call(sim.attempt, sim);
    expect(changes).toEqual(['c2:1']);
  });

  it('refuses an empty bootstrap list', () => {
    expect(() => new CoordinatorQuorum({ bootstrap: [] })).toThrow('at least one coordinator address');
  });
});
