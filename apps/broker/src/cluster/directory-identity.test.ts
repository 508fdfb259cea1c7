import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIRECTORY_IDENTITY_KEY } from '../log/keys.js';
import { openTempStore, type TempStore } from '../log/temp-store.fixture.js';
import { claimDataDirectory, ForeignDataDirectoryError } from './directory-identity.js';

describe('claimDataDirectory', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await openTempStore();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('stamps a new directory with the broker id and a directory id that stays across restarts', async () => {
    const first = await claimDataDirectory(temp.store, temp.dir, 1);
    expect(first.brokerId).toBe(1);
    expect(first.directoryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.stampedNow).toBe(true);
    await temp.reopen();
    expect(await claimDataDirectory(temp.store, temp.dir, 1)).toEqual({ ...first, stampedNow: false });
  });

  it("refuses another broker's directory, naming both broker ids and the directory id", async () => {
    const owner = await claimDataDirectory(temp.store, temp.dir, 1);
    await temp.reopen();
    const refusal = claimDataDirectory(temp.store, temp.dir, 2);
    await expect(refusal).rejects.toThrow(ForeignDataDirectoryError);
    await expect(refusal).rejects.toThrow('belongs to broker 1, not to broker 2');
    await expect(refusal).rejects.toThrow(`directory id ${owner.directoryId}`);
    // The refusal changed nothing: the owner still starts on it.
    expect(await claimDataDirectory(temp.store, temp.dir, 1)).toEqual({ ...owner, stampedNow: false });
  });

  it('names the directory when the stored identity is unreadable', async () => {
    await temp.store.write([
      { type: 'put', key: DIRECTORY_IDENTITY_KEY, value: Buffer.from('{"version":9}') },
    ]);
    await expect(claimDataDirectory(temp.store, temp.dir, 1)).rejects.toThrow(
      `data directory ${temp.dir} has an unreadable directory identity`,
    );
  });
});
