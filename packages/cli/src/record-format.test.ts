import { describe, expect, it } from 'vitest';
import { formatRecord, jsonRecord, type PrintableRecord } from './record-format.js';

const record: PrintableRecord = {
  topic: 'orders',
  partition: 2,
  offset: 42n,
  timestamp: 1_700_000_000_000,
  key: Buffer.from('user-1'),
  value: Buffer.from('{"total":42}'),
  headers: { source: Buffer.from('web'), trace: null },
};

describe('formatRecord', () => {
  it('renders every kcat token and escape', () => {
    expect(formatRecord('%t/%p@%o %k=%v (%s) %T [%h] %K %S 100%%\\t|\\n', record)).toBe(
      'orders/2@42 user-1={"total":42} ({"total":42}) 1700000000000 [source=web,trace=null] 6 12 100%\t|\n',
    );
  });

  it('prints null keys and values as null with length -1', () => {
    expect(formatRecord('%k %v %K %S', { ...record, key: null, value: null })).toBe('null null -1 -1');
  });

  it('refuses an unknown token, naming it', () => {
    expect(() => formatRecord('%x', record)).toThrow(/unknown token %x/);
  });
});

describe('jsonRecord', () => {
  it('writes one JSON object with the offset as a string and nulls kept', () => {
    expect(JSON.parse(jsonRecord({ ...record, key: null }))).toEqual({
      topic: 'orders',
      partition: 2,
      offset: '42',
      timestamp: 1_700_000_000_000,
      key: null,
      value: '{"total":42}',
      headers: { source: 'web', trace: null },
    });
  });
});
