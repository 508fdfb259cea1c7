import { ErrorCode } from '@fjord/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CoordinatorApi } from '../cluster/coordinator-client.js';
import { controlledShutdown } from './controlled-shutdown.js';

/** A coordinator that answers ControlledShutdown from a script, one entry per call. */
function scripted(answers: Array<number | Error>): { api: CoordinatorApi; calls: () => number } {
  let calls = 0;
  const api = {
    controlledShutdown: async () => {
      const answer = answers[Math.min(calls++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return { errorCode: ErrorCode.NONE, errorMessage: '', remainingLeaderships: answer };
    },
  } as unknown as CoordinatorApi;
  return { api, calls: () => calls };
}

const run = (api: CoordinatorApi, timeoutMs = 10_000) =>
  controlledShutdown({
    brokerId: 1,
    brokerEpoch: () => '7',
    coordinator: api,
    refreshMetadata: async () => true,
    logger: pino({ level: 'silent' }),
    timeoutMs,
    noProgressMs: 600,
  });

describe('controlledShutdown', () => {
  it('retries until every leadership has moved', async () => {
    const { api, calls } = scripted([3, 1, 0]);
    expect(await run(api)).toBe(0);
    expect(calls()).toBe(3);
  });

  it('stops at once when the coordinator cannot be reached', async () => {
    const { api, calls } = scripted([new Error('14 UNAVAILABLE: connect ECONNREFUSED')]);
    const started = Date.now();
    expect(await run(api)).toBe(-1);
    expect(calls()).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops when no other replica can take the leaderships left', async () => {
    const { api, calls } = scripted([4, 2, 2]);
    const started = Date.now();
    expect(await run(api)).toBe(2);
    // Well before its 10 s timeout: 600 ms without progress.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls()).toBeGreaterThan(2);
  });
});
