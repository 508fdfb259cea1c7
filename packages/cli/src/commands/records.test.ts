import { describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.js';
import { chooseStart, renderRecord, startFor } from './consume.js';
import { assertPartitionExists, lineToRecord } from './produce.js';

describe('produce: lines to records', () => {
  it('splits at the first separator; a line without one has no key', () => {
    expect(lineToRecord('k:v:w', ':')).toEqual({ key: 'k', value: 'v:w' });
    expect(lineToRecord('just value', ':')).toEqual({ key: null, value: 'just value' });
    expect(lineToRecord('a:b')).toEqual({ key: null, value: 'a:b' });
    expect(lineToRecord('', undefined, 2)).toEqual({ key: null, value: '', partition: 2 });
  });

  it('refuses a partition the topic does not have', () => {
    expect(() => assertPartitionExists('t', 3, 3)).toThrow(
      'topic "t" has 3 partitions; partition 3 does not exist',
    );
    expect(() => assertPartitionExists('t', 3, 2)).not.toThrow();
    expect(() => assertPartitionExists('t', 3, undefined)).not.toThrow();
  });
});

describe('consume: start offsets and output', () => {
  it('starts at the end by default, like kafka-console-consumer', () => {
    expect(chooseStart({})).toEqual({ kind: 'end' });
    expect(chooseStart({ fromBeginning: true })).toEqual({ kind: 'beginning' });
    expect(chooseStart({ offset: { kind: 'absolute', offset: 5n } })).toEqual({
      kind: 'absolute',
      offset: 5n,
    });
    expect(() => chooseStart({ fromBeginning: true, offset: { kind: 'end' } })).toThrow(UsageError);
  });

  it('computes a partition start within its log', () => {
    expect(startFor({ kind: 'beginning' }, 10n, 50n)).toBe(10n);
    expect(startFor({ kind: 'end' }, 10n, 50n)).toBe(50n);
    expect(startFor({ kind: 'absolute', offset: 7n }, 10n, 50n)).toBe(7n);
    expect(startFor({ kind: 'fromEnd', offset: 5n }, 10n, 50n)).toBe(45n);
    expect(startFor({ kind: 'fromEnd', offset: 100n }, 10n, 50n)).toBe(10n);
  });

  it('prints values, or keys and values, with null for absent ones', () => {
    const record = { key: Buffer.from('k'), value: Buffer.from('v') };
    expect(renderRecord(record, false, '\t')).toBe('v');
    expect(renderRecord(record, true, '=')).toBe('k=v');
    expect(renderRecord({ key: null, value: null }, true, '\t')).toBe('null\tnull');
  });
});
