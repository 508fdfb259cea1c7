import { describe, expect, it } from 'vitest';
import {
  baseOffsetOfLogKey,
  KeyKind,
  logKey,
  metaKey,
  parseMetaKey,
  parseTimeIndexKey,
  partitionPrefix,
  prefixUpperBound,
  timeIndexKey,
  timeIndexSeekKey,
  topicIdFromBytes,
  topicIdToBytes,
} from './keys.js';

const TOPIC = '0f8fad5b-d9cb-469f-a165-70867728950e';
const id = topicIdToBytes(TOPIC);
const sorted = (keys: Buffer[]) => [...keys].sort(Buffer.compare);

describe('storage keys', () => {
  it('round-trips topic ids', () => {
    expect(id).toHaveLength(16);
    expect(topicIdFromBytes(id)).toBe(TOPIC);
    expect(() => topicIdToBytes('not-a-uuid')).toThrow(/not a UUID/);
  });

  it('sorts log keys by base offset, including offsets above 2^53', () => {
    const offsets = [0n, 1n, 255n, 256n, 70_000n, 2n ** 40n, 2n ** 60n];
    const keys = offsets.map((o) => logKey(id, 3, o));
    expect(sorted([...keys].reverse())).toEqual(keys);
    expect(keys.map(baseOffsetOfLogKey)).toEqual(offsets);
  });

  it('keeps partitions apart and in partition order', () => {
    const p1 = logKey(id, 1, 2n ** 63n - 1n);
    const p2 = logKey(id, 2, 0n);
    expect(Buffer.compare(p1, p2)).toBeLessThan(0);
    const prefix = partitionPrefix(KeyKind.Log, id, 1);
    expect(Buffer.compare(p1, prefixUpperBound(prefix))).toBeLessThan(0);
    expect(Buffer.compare(p2, prefixUpperBound(prefix))).toBeGreaterThan(0);
  });

  it('sorts time-index keys by timestamp, negative and large ones included', () => {
    const timestamps = [-(2 ** 53) + 1, -1_000, -1, 0, 1, 1_700_000_000_000, 2 ** 53 - 1];
    const keys = timestamps.map((t, i) => timeIndexKey(id, 0, t, BigInt(i)));
    expect(sorted([...keys].reverse())).toEqual(keys);
    expect(keys.map((k) => parseTimeIndexKey(k).timestampMs)).toEqual(timestamps);
    expect(parseTimeIndexKey(keys[3]!).baseOffset).toBe(3n);
  });

  it('seek key for timestamp T sorts before every entry >= T and after every entry < T', () => {
    const seek = timeIndexSeekKey(id, 0, 100);
    expect(Buffer.compare(timeIndexKey(id, 0, 99, 2n ** 62n), seek)).toBeLessThan(0);
    expect(Buffer.compare(timeIndexKey(id, 0, 100, 0n), seek)).toBeGreaterThan(0);
  });

  it('parses meta keys', () => {
    const parsed = parseMetaKey(metaKey(id, 7));
    expect(topicIdFromBytes(parsed.topicId)).toBe(TOPIC);
    expect(parsed.partition).toBe(7);
  });

  it('computes prefix upper bounds with carry', () => {
    expect(prefixUpperBound(Buffer.from([1, 2, 0xff, 0xff]))).toEqual(Buffer.from([1, 3]));
  });
});
