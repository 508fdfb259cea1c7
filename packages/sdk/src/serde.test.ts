import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { jsonDeserializer, jsonSerializer, stringDeserializer, stringSerializer, toBytes } from './serde.js';

describe('toBytes', () => {
  it('writes strings as UTF-8, keeps Buffers, maps null/undefined to absent', () => {
    expect(toBytes('héllo', 'value')).toEqual(Buffer.from('héllo', 'utf8'));
    const buffer = Buffer.from([1, 2, 3]);
    expect(toBytes(buffer, 'value')).toBe(buffer);
    expect(toBytes(new Uint8Array([4, 5]), 'value')).toEqual(Buffer.from([4, 5]));
    expect(toBytes(null, 'value')).toBeNull();
    expect(toBytes(undefined, 'key')).toBeNull();
  });

  it('refuses other types and points to serializers', () => {
    expect(() => toBytes({ a: 1 }, 'messages[0].value')).toThrow(InvalidArgumentError);
    expect(() => toBytes(42, 'messages[0].value')).toThrow(/messages\[0\]\.value .*pass a serializer/);
  });
});

describe('serializers', () => {
  const ctx = { topic: 't', partition: 0 };
  it('round-trips strings and JSON', () => {
    expect(stringDeserializer(stringSerializer('añb', ctx) as Buffer, ctx)).toBe('añb');
    const value = { total: 42, items: ['x'] };
    expect(jsonDeserializer(jsonSerializer(value, ctx) as Buffer, ctx)).toEqual(value);
    expect(jsonSerializer(null, ctx)).toBeNull();
  });
});
