import { describe, expect, it } from 'vitest';
import { startWithTeardown, Teardown } from './teardown.js';

function recordingLogger() {
  const errors: Array<{ fields: object; message: string }> = [];
  return { errors, logger: { error: (fields: object, message: string) => errors.push({ fields, message }) } };
}

describe('Teardown', () => {
  it('runs the cleanups in reverse order, each after the previous one finished', async () => {
    const { logger } = recordingLogger();
    const teardown = new Teardown(logger);
    const done: string[] = [];
    teardown.add('store', () => void done.push('store'));
    teardown.add('server', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done.push('server');
    });
    teardown.add('job', () => void done.push('job'));
    await teardown.run();
    expect(done).toEqual(['job', 'server', 'store']);
  });

  it('runs once, however often it is asked', async () => {
    const { logger } = recordingLogger();
    const teardown = new Teardown(logger);
    let closes = 0;
    teardown.add('store', () => void closes++);
    await Promise.all([teardown.run(), teardown.run()]);
    await teardown.run();
    expect(closes).toBe(1);
    expect(() => teardown.add('late', () => undefined)).toThrow(/"late" registered after the teardown began/);
  });

  it('goes on past a failed step, logs it, and then rejects naming it', async () => {
    const { errors, logger } = recordingLogger();
    const teardown = new Teardown(logger);
    const done: string[] = [];
    teardown.add('store', () => void done.push('store'));
    teardown.add('server', () => {
      throw new Error('busy');
    });
    await expect(teardown.run()).rejects.toThrow('cleanup failed: server');
    expect(done).toEqual(['store']);
    expect(errors).toEqual([
      { fields: { err: new Error('busy'), step: 'server' }, message: 'cleanup failed' },
    ]);
  });
});

describe('startWithTeardown', () => {
  it('undoes what a failed start created and rethrows its error', async () => {
    const { logger } = recordingLogger();
    const done: string[] = [];
    const start = startWithTeardown(logger, async (teardown) => {
      teardown.add('store', () => void done.push('store closed'));
      teardown.add('metrics', () => void done.push('metrics closed'));
      throw new Error('port in use');
    });
    await expect(start).rejects.toThrow('port in use');
    expect(done).toEqual(['metrics closed', 'store closed']);
  });

  it('leaves the teardown to the started server when the start succeeds', async () => {
    const { logger } = recordingLogger();
    const done: string[] = [];
    const server = await startWithTeardown(logger, async (teardown) => {
      teardown.add('store', () => void done.push('store closed'));
      return { stop: () => teardown.run() };
    });
    expect(done).toEqual([]);
    await server.stop();
    expect(done).toEqual(['store closed']);
  });
});
