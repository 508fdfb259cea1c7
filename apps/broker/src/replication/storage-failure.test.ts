import { ErrorCode } from '@fjord/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CoordinatorApi } from '../cluster/coordinator-client.js';
import { openTempStore, type TempStore } from '../log/temp-store.fixture.js';
import { handOverLeadershipsOnStorageFailure } from './storage-failure.js';

const put = (n: number) => ({ type: 'put' as const, key: Buffer.from([0x7f, n]), value: Buffer.from('x') });

describe('handOverLeadershipsOnStorageFailure', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await openTempStore();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await temp.cleanup();
  });

  it('a failed LevelDB write makes the broker hand its leaderships over once, counted and logged', async () => {
    const shutdownCalls: string[] = [];
    const coordinator = {
      controlledShutdown: async (request: { brokerEpoch: string }) => {
        shutdownCalls.push(request.brokerEpoch);
        return { errorCode: ErrorCode.NONE, errorMessage: '', remainingLeaderships: 0 };
      },
    } as unknown as CoordinatorApi;
    const logged: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
    let failures = 0;
    let refreshes = 0;
    const handedOver = handOverLeadershipsOnStorageFailure(temp.store, {
      brokerId: 1,
      brokerEpoch: () => '7',
      coordinator,
      refreshMetadata: async () => {
        refreshes++;
        return true;
      },
      logger,
      timeoutMs: 5_000,
      countFailure: () => failures++,
    });

    await temp.store.write([put(1)]);
    expect(shutdownCalls).toEqual([]);

    vi.spyOn(temp.store.db, 'batch').mockRejectedValue(new Error('IO error: No space left on device'));
    await expect(temp.store.write([put(2)])).rejects.toThrow('No space left');
    await expect(temp.store.write([put(3)])).rejects.toThrow('No space left');
    expect(await handedOver.whenHandedOver()).toBe(0);

    expect(failures).toBe(2);
    // Once per broker process: the coordinator keeps it out of leadership until it restarts.
    expect(shutdownCalls).toEqual(['7']);
    expect(refreshes).toBeGreaterThan(0);
    expect(logged.some((line) => line.includes('No space left') && line.includes('leaderships'))).toBe(true);
  });
});
