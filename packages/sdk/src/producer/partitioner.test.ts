import { partitionForKey } from '@fjord/protocol';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { choosePartition, createDefaultPartitioner } from './partitioner.js';

const args = (key: Buffer | null, numPartitions = 6) => ({
  topic: 'orders',
  key,
  value: null,
  numPartitions,
});

describe('default partitioner', () => {
  it('sends keyed messages to murmur2(key) mod partitions, as Kafka does', () => {
    const partitioner = createDefaultPartitioner();
    for (const key of ['user-1', 'user-2', 'a', '', 'ünïcödé']) {
      const bytes = Buffer.from(key, 'utf8');
      expect(partitioner(args(bytes))).toBe(partitionForKey(bytes, 6));
      expect(partitioner(args(bytes))).toBe(partitioner(args(bytes)));
    }
  });

  it('matches a published Kafka vector: "kafka" -> murmur2 choice', () => {
    // The protocol package tests murmur2 against Kafka's vectors; here only the wiring matters.
    const bytes = Buffer.from('kafka');
    expect(createDefaultPartitioner()(args(bytes, 100))).toBe(partitionForKey(bytes, 100));
  });

  it('sticks null keys to one partition for about stickyBytes, then moves to another', () => {
    const partitioner = createDefaultPartitioner(1000);
    const value = Buffer.alloc(92); // counted as 100 bytes
    const chosen = Array.from({ length: 60 }, () => partitioner({ ...args(null), value }));
    const runs: number[][] = [];
    for (const p of chosen) {
      const run = runs.at(-1);
      if (run && run[0] === p) run.push(p);
      else runs.push([p]);
    }
    expect(runs.slice(0, -1).map((r) => r.length)).toEqual(Array(runs.length - 1).fill(10));
    expect(runs.length).toBeGreaterThanOrEqual(6);
  });
});

describe('choosePartition', () => {
  const partitioner = createDefaultPartitioner();

  it('honours an explicit partition over the key', () => {
    expect(choosePartition(4, partitioner, args(Buffer.from('user-1')))).toBe(4);
  });

  it('rejects an explicit partition that does not exist', () => {
    expect(() => choosePartition(6, partitioner, args(null))).toThrow(InvalidArgumentError);
    expect(() => choosePartition(6, partitioner, args(null))).toThrow(/partition 6 does not exist.*0\.\.5/);
    expect(() => choosePartition(-1, partitioner, args(null))).toThrow(InvalidArgumentError);
    expect(() => choosePartition(1.5, partitioner, args(null))).toThrow(InvalidArgumentError);
  });

  it('rejects a custom partitioner that answers out of range', () => {
    expect(() => choosePartition(undefined, () => 7, args(null))).toThrow(/partitioner returned 7/);
  });
});
