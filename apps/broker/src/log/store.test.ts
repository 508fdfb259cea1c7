import { afterEach, describe, expect, it, vi } from 'vitest';
import { FLUSH_MARKER_KEY } from './keys.js';
import { openTempStore, type TempStore } from './temp-store.fixture.js';

// An fsync cannot be observed from the data (the page cache answers reads either way), so these
// tests watch the `sync` option reach LevelDB: classic-level fsyncs its log file on a write
// whose options say `sync: true`, and on no other.
/** The options argument (the second) of a recorded batch() call. */
function optionsOf(call: unknown[] | undefined): unknown {
  return call?.[1];
}

describe('LogStore flush policies', () => {
  let temp: TempStore | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await temp?.cleanup();
    temp = undefined;
  });

  it('writes with fsync under flushPolicy=sync', async () => {
    temp = await openTempStore({ flushPolicy: 'sync', flushIntervalMs: 1000 });
    const batch = vi.spyOn(temp.store.db, 'batch');
    await temp.store.write([{ type: 'put', key: Buffer.from([9]), value: Buffer.from('x') }]);
    expect(batch).toHaveBeenCalledTimes(1);
    expect(optionsOf(batch.mock.calls[0])).toMatchObject({ sync: true });
    expect(await temp.store.db.get(Buffer.from([9]))).toEqual(Buffer.from('x'));
  });

  it('writes without fsync under flushPolicy=os', async () => {
    temp = await openTempStore({ flushPolicy: 'os', flushIntervalMs: 1000 });
    const batch = vi.spyOn(temp.store.db, 'batch');
    await temp.store.write([{ type: 'put', key: Buffer.from([9]), value: Buffer.from('x') }]);
    expect(batch).toHaveBeenCalledTimes(1);
    expect(optionsOf(batch.mock.calls[0])).toMatchObject({ sync: false });
  });

  it('fsyncs periodically under flushPolicy=interval, and only then', async () => {
    temp = await openTempStore({ flushPolicy: 'interval', flushIntervalMs: 20 });
    const batch = vi.spyOn(temp.store.db, 'batch');
    const put = vi.spyOn(temp.store.db, 'put');
    await temp.store.write([{ type: 'put', key: Buffer.from([9]), value: Buffer.from('x') }]);
    expect(optionsOf(batch.mock.calls[0])).toMatchObject({ sync: false });
    const deadline = Date.now() + 5_000;
    while (put.mock.calls.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(put.mock.calls[0]?.[0]).toEqual(FLUSH_MARKER_KEY);
    expect(put.mock.calls[0]?.[2]).toMatchObject({ sync: true });
  });
});
