import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apply, InconsistentRecordError } from '../metadata/apply.js';
import { metadataRecord } from '../metadata/records.js';
import { emptyState } from '../metadata/state.js';
import { openLocalMetadataStore } from '../quorum/open-metadata-store.js';
import { ProducerIdAllocator } from './producer-id-allocator.js';

const logger = pino({ level: 'silent' });

describe('ProducerIdAllocator', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fjord-producer-ids-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives unique ids, one metadata record per block, never reusing an id after a restart', async () => {
    let store = await openLocalMetadataStore({ dataDir, snapshotEveryRecords: 1000, logger });
    let allocator = new ProducerIdAllocator(store, 3);
    const first = await Promise.all(Array.from({ length: 5 }, () => allocator.allocate()));
    expect([...first].sort((a, b) => Number(a - b))).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(store.state.producerIdsEnd).toBe('6');
    expect(store.metadataVersion).toBe(1);
    await store.close();

    // Id 5 was in a recorded block but never given out: it is skipped, not reused.
    store = await openLocalMetadataStore({ dataDir, snapshotEveryRecords: 1000, logger });
    allocator = new ProducerIdAllocator(store, 3);
    expect(await allocator.allocate()).toBe(6n);
    expect(await allocator.allocate()).toBe(7n);
    expect(store.state.producerIdsEnd).toBe('9');
    await store.close();
  });

  it('refuses a block that does not start at the next free id', () => {
    const state = apply(emptyState(), metadataRecord({ type: 'ProducerIdBlock', firstId: '0', size: 10 }));
    expect(state.producerIdsEnd).toBe('10');
    expect(() => apply(state, metadataRecord({ type: 'ProducerIdBlock', firstId: '5', size: 10 }))).toThrow(
      InconsistentRecordError,
    );
  });
});
