import { afterEach, describe, expect, it } from 'vitest';
import { FLUSH_MARKER_KEY } from './keys.js';
import { openTempStore, type TempStore } from './temp-store.fixture.js';

describe('LogStore flush policies', () => {
  let temp: TempStore | undefined;
  afterEach(async () => {
    await temp?.cleanup();
    temp = undefined;
  });

  it('writes with fsync under flushPolicy=sync', async () => {
    temp = await openTempStore({ flushPolicy: 'sync', flushIntervalMs: 1000 });
    await temp.store.write([{ type: 'put', key: Buffer.from([9]), value: Buffer.from('x') }]);
    expect(await temp.store.db.get(Buffer.from([9]))).toEqual(Buffer.from('x'));
  });

  it('fsyncs periodically under flushPolicy=interval', async () => {
    temp = await openTempStore({ flushPolicy: 'interval', flushIntervalMs: 20 });
    const deadline = Date.now() + 5_000;
    while ((await temp.store.db.get(FLUSH_MARKER_KEY)) === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await temp.store.db.get(FLUSH_MARKER_KEY)).toBeDefined();
  });
});
