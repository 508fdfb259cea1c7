import { describe, expect, it } from 'vitest';
import { failoverTimeline, parseNodeLog } from './failover-timeline.js';

const line = (time: number, msg: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ level: 30, time, msg, ...fields });

describe('failover timeline', () => {
  it('reads each phase from the survivors and brokers, after the fault only', () => {
    const events = [
      ...parseNodeLog(
        'coordinator-1',
        [
          line(900, 'quorum role', { role: 'candidate', term: 3 }),
          line(1_500, 'quorum role', { role: 'precandidate', term: 4 }),
        ].join('\n'),
      ),
      ...parseNodeLog(
        'coordinator-2',
        [
          line(2_000, 'quorum role', { role: 'precandidate', term: 4 }),
          'not json',
          line(2_100, 'quorum role', { role: 'candidate', term: 5 }),
          line(2_300, 'quorum role', { role: 'candidate', term: 6 }),
          line(2_400, 'quorum role', { role: 'leader', term: 6, leaderId: 2 }),
          line(2_500, 'leading the coordinator quorum'),
          '{"time":2600,"msg":"cut by a SIGK',
        ].join('\n'),
      ),
      ...parseNodeLog('coordinator-3', line(2_050, 'quorum role', { role: 'precandidate', term: 4 })),
      ...parseNodeLog(
        'broker-1',
        [
          line(1_800, 'coordinator leader', { leader: 'unknown' }),
          line(2_700, 'coordinator leader', { leader: '127.0.0.1:2' }),
        ].join('\n'),
      ),
      ...parseNodeLog('broker-2', line(2_900, 'coordinator leader', { leader: '127.0.0.1:2' })),
    ];
    const context = {
      faultAt: 1_000,
      // The faulted leader's own lines are not the survivors'.
      oldLeader: 'coordinator-1',
      coordinators: ['coordinator-1', 'coordinator-2', 'coordinator-3'],
      brokers: ['broker-1', 'broker-2'],
      firstWriteAt: 2_650,
      until: 10_000,
    };
    expect(failoverTimeline(events, context)).toEqual({
      preVoteMs: 1_000,
      candidateMs: 1_100,
      electedMs: 1_400,
      servingMs: 1_500,
      brokersFollowedMs: 1_900,
      firstWriteMs: 1_650,
      electionRounds: 2,
    });
    // A broker that never named the new leader: the brokers did not all follow.
    expect(
      failoverTimeline(events, { ...context, brokers: ['broker-1', 'broker-3'] }).brokersFollowedMs,
    ).toBe(undefined);
  });
});
