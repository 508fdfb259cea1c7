import { describe, expect, it } from 'vitest';
import { DeserializationError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { RecordDecodeError } from '../record-decode-error.js';
import { FetchedRecord } from './consumer-record.js';
import { PartitionBackoff } from './partition-backoff.js';
import { newPartitionState, type PartitionState, seekState } from './partition-state.js';
import { RecordHandout, type RecordHandoutOptions } from './record-handout.js';

const NOW = 5_000;

function partition(index: number, offsets: bigint[], bufferEnd?: bigint): PartitionState {
  const state = newPartitionState({ topic: 't', partition: index });
  seekState(state, offsets[0] ?? 0n);
  state.buffered = offsets.map(
    (offset) =>
      new FetchedRecord<Buffer, Buffer>('t', index, offset, 0, 1, null, Buffer.from(`v${offset}`), []),
  );
  state.bufferEnd = bufferEnd ?? (offsets.at(-1) ?? -1n) + 1n;
  return state;
}

function handout<V = Buffer>(options: Partial<RecordHandoutOptions<Buffer, V>> = {}) {
  const backoff = new PartitionBackoff({
    invalidate: () => {},
    retry: { initialRetryMs: 100, maxRetryMs: 1000, multiplier: 2, jitter: 0 },
    clock: { now: () => NOW, sleep: async () => {} },
    logger: silentLogger,
    report: () => {},
  });
  return new RecordHandout<Buffer, V>({ maxPollRecords: 500, ...options }, backoff);
}

describe('RecordHandout', () => {
  it('hands out at most maxPollRecords, starting at the next partition each call, and moves positions', () => {
    const p0 = partition(0, [0n, 1n, 2n]);
    const p1 = partition(1, [7n, 8n], 10n);
    const records = handout({ maxPollRecords: 2 });
    expect(records.drain([p0, p1]).map((r) => `${r.partition}:${r.offset}`)).toEqual(['0:0', '0:1']);
    expect(p0.position).toBe(2n);
    expect(records.drain([p0, p1]).map((r) => `${r.partition}:${r.offset}`)).toEqual(['1:7', '1:8']);
    // Drained: the position jumps to where the fetched batches ended.
    expect(p1.position).toBe(10n);
    expect(records.drain([p0, p1]).map((r) => `${r.partition}:${r.offset}`)).toEqual(['0:2']);
  });

  it('leaves a record its deserializer refused first in the buffer, at the position', () => {
    const p0 = partition(0, [0n, 1n, 2n]);
    const records = handout<string>({
      valueDeserializer: (data) => {
        if (data.toString() === 'v1') throw new Error('not JSON');
        return data.toString();
      },
    });
    expect(records.drain([p0]).map((r) => r.value)).toEqual(['v0']);
    const error = (() => {
      try {
        records.drain([p0]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DeserializationError);
    expect(error).toMatchObject({ topic: 't', partition: 0, offset: 1n });
    expect(p0.position).toBe(1n);
    // Not again before the backoff ends: a loop around poll() must not spin on it.
    expect(p0.retryAt).toBe(NOW + 100);
    expect(records.drain([p0])).toEqual([]);
    p0.retryAt = NOW;
    expect(() => records.drain([p0])).toThrow(DeserializationError);
    expect(p0.failures).toBe(2);
    seekState(p0, 2n);
    expect(p0.buffered).toEqual([]);
  });

  it('throws an undecodable batch once, after the records before it, and backs the partition off', () => {
    const p0 = partition(0, [0n, 1n], 2n);
    const p1 = partition(1, [4n]);
    const undecodable = new RecordDecodeError('bad batch', {
      topic: 't',
      partition: 0,
      offset: 2n,
      nextOffset: 3n,
    });
    p0.undecodable = undecodable;
    const records = handout();
    expect(records.drain([p0, p1]).map((r) => `${r.partition}:${r.offset}`)).toEqual(['0:0', '0:1']);
    expect(p0.undecodable).toBe(undecodable);
    expect(p0.position).toBe(2n);
    expect(() => records.drain([p0])).toThrow(undecodable);
    expect(p0.undecodable).toBeUndefined();
    expect(p0.retryAt).toBe(NOW + 100);
    expect(p0.failures).toBe(1);
    expect(records.drain([p0, p1]).map((r) => `${r.partition}:${r.offset}`)).toEqual(['1:4']);
    expect(records.drain([p0, p1])).toEqual([]);
  });
});
