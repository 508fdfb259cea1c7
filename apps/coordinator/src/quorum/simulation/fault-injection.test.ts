import { describe, expect, it } from 'vitest';
import type { RaftFaultInjection } from '../raft-node.js';
import { runSimulation, SimulationFailure } from './simulation.fixture.js';

/**
 * The checker can fail: with a known protocol bug switched on, some seed among the first
 * few must break an invariant, and the failure must name the seed and how to replay it.
 */
function firstFailure(
  faultInjection: RaftFaultInjection,
  voters: number,
  maxSeeds: number,
  crashAllRate?: number,
): SimulationFailure {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    try {
      runSimulation({ seed, voters, durationMs: 30_000, faultInjection, crashAllRate });
    } catch (error) {
      if (error instanceof SimulationFailure) return error;
      throw error;
    }
  }
  throw new Error(`no seed out of ${maxSeeds} caught the injected bug ${JSON.stringify(faultInjection)}`);
}

describe('raft simulation catches injected bugs', () => {
  it('a voter that grants two votes in one term: two leaders of one term', { timeout: 300_000 }, () => {
    const failure = firstFailure({ grantEveryVote: true }, 5, 100);
    console.log(failure.message);
    expect(failure.message).toMatch(/both lead term \d+/);
    expect(failure.message).toContain(`FJORD_SIM_FAULTS=grantEveryVote FJORD_SIM_SEED=${failure.seed} `);
  });

  it('a leader that commits without a majority: an acknowledged or committed entry is lost', {
    timeout: 300_000,
  }, () => {
    const failure = firstFailure({ commitWithoutMajority: true }, 3, 100);
    console.log(failure.message);
    expect(failure.message).toMatch(
      /lacks (acknowledged|committed) entry|committed index \d+ as term|served a read/,
    );
  });

  it('messages sent before their fsync: a crash makes a term (or an ack) go back', {
    timeout: 300_000,
  }, () => {
    // Losing unsynced writes takes a crash inside an fsync window: crash the whole quorum often.
    const failure = firstFailure({ sendBeforeFsync: true }, 3, 150, 0.5);
    console.log(failure.message);
    expect(failure.message).toMatch(
      /is in term \d+ after sending messages in term|lacks (acknowledged|committed) entry|committed index \d+ as term|both lead term/,
    );
  });
});
