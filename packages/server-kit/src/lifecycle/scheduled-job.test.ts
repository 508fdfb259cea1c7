import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScheduledJob } from './scheduled-job.js';

/** A logger that records error lines. */
function recordingLogger() {
  const errors: Array<{ fields: object; message: string }> = [];
  return { errors, logger: { error: (fields: object, message: string) => errors.push({ fields, message }) } };
}

/** A promise with its resolve, to hold a pass open. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('ScheduledJob', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs every interval once started, and not after stop', async () => {
    let passes = 0;
    const { logger } = recordingLogger();
    const job = new ScheduledJob({ name: 'count', intervalMs: 100, logger, run: async () => void passes++ });
    await vi.advanceTimersByTimeAsync(500);
    expect(passes).toBe(0);
    job.start();
    job.start();
    await vi.advanceTimersByTimeAsync(350);
    // A second start() is a no-op: one loop, not two.
    expect(passes).toBe(3);
    await job.stop();
    await vi.advanceTimersByTimeAsync(500);
    expect(passes).toBe(3);
  });

  it('never runs two passes at once: runNow during a pass joins it, the timer waits for its end', async () => {
    const gate = deferred();
    let started = 0;
    const { logger } = recordingLogger();
    const job = new ScheduledJob({
      name: 'slow',
      intervalMs: 10,
      logger,
      run: async () => {
        started++;
        await gate.promise;
        return started;
      },
    });
    job.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toBe(1);
    const joined = job.runNow();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toBe(1);
    gate.resolve();
    expect(await joined).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toBe(2);
    await job.stop();
  });

  it('logs a failed pass and keeps going', async () => {
    let passes = 0;
    const { errors, logger } = recordingLogger();
    const job = new ScheduledJob({
      name: 'flaky check',
      intervalMs: 100,
      logger,
      run: async () => {
        passes++;
        if (passes === 1) throw new Error('disk full');
      },
    });
    job.start();
    await vi.advanceTimersByTimeAsync(250);
    expect(passes).toBe(2);
    expect(errors).toEqual([{ fields: { err: new Error('disk full') }, message: 'flaky check failed' }]);
    await job.stop();
  });

  it('stop waits for the running pass', async () => {
    const gate = deferred();
    let finished = false;
    const { logger } = recordingLogger();
    const job = new ScheduledJob({
      name: 'held',
      intervalMs: 10,
      logger,
      run: async () => {
        await gate.promise;
        finished = true;
      },
    });
    job.start();
    await vi.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
  });

  it('with an interval of 0 only runs when asked', async () => {
    let passes = 0;
    const { logger } = recordingLogger();
    const job = new ScheduledJob({ name: 'off', intervalMs: 0, logger, run: async () => ++passes });
    job.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(passes).toBe(0);
    expect(await job.runNow()).toBe(1);
    await job.stop();
  });

  it('passes a failure of runNow to its caller', async () => {
    const { errors, logger } = recordingLogger();
    const job = new ScheduledJob({
      name: 'once',
      intervalMs: 100,
      logger,
      run: async () => {
        throw new Error('no');
      },
    });
    await expect(job.runNow()).rejects.toThrow('no');
    // The caller has the error; the job logs only the passes it ran on its own.
    expect(errors).toEqual([]);
  });
});
