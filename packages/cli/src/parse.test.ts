import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { resolveBootstrap } from './bootstrap.js';
import {
  acks,
  address,
  addressList,
  collect,
  configPair,
  integerAtLeast,
  port,
  separator,
  startOffset,
} from './parse.js';
import { UsageError } from './usage-error.js';

describe('option parsers', () => {
  it('integerAtLeast accepts integers at or above the bound only', () => {
    expect(integerAtLeast(1)('3')).toBe(3);
    expect(integerAtLeast(0)('0')).toBe(0);
    for (const bad of ['0', '1.5', 'x', '', '1e3'])
      expect(() => integerAtLeast(1)(bad)).toThrow(InvalidArgumentError);
  });

  it('port is 1..65535', () => {
    expect(port('7400')).toBe(7400);
    expect(() => port('65536')).toThrow(InvalidArgumentError);
    expect(() => port('0')).toThrow(InvalidArgumentError);
  });

  it('acks takes 0, 1, all and -1', () => {
    expect([acks('0'), acks('1'), acks('all'), acks('-1')]).toEqual([0, 1, 'all', 'all']);
    expect(() => acks('2')).toThrow(InvalidArgumentError);
  });

  it('configPair collects key=value pairs, splitting at the first =', () => {
    const first = configPair('retention.ms=1000');
    expect(configPair('x=a=b', first)).toEqual({ 'retention.ms': '1000', x: 'a=b' });
    expect(configPair('empty=')).toEqual({ empty: '' });
    expect(() => configPair('novalue')).toThrow(InvalidArgumentError);
    expect(() => configPair('=v')).toThrow(InvalidArgumentError);
  });

  it('collect appends', () => {
    expect(collect('b', collect('a'))).toEqual(['a', 'b']);
  });

  it('startOffset understands beginning, end, N and -N', () => {
    expect(startOffset('beginning')).toEqual({ kind: 'beginning' });
    expect(startOffset('end')).toEqual({ kind: 'end' });
    expect(startOffset('42')).toEqual({ kind: 'absolute', offset: 42n });
    expect(startOffset('-10')).toEqual({ kind: 'fromEnd', offset: 10n });
    expect(() => startOffset('soon')).toThrow(InvalidArgumentError);
  });

  it('address wants host:port', () => {
    expect(address('127.0.0.1:7400')).toBe('127.0.0.1:7400');
    expect(address('[::1]:7400')).toBe('[::1]:7400');
    for (const bad of ['127.0.0.1', 'host:', ':7400', 'h:99999'])
      expect(() => address(bad)).toThrow(InvalidArgumentError);
  });

  it('addressList takes comma-separated host:port and names a bad entry', () => {
    expect(addressList('127.0.0.1:7400')).toBe('127.0.0.1:7400');
    expect(addressList(' a:1 , [::1]:2,a:1')).toBe('a:1,[::1]:2');
    expect(() => addressList('a:1,b')).toThrow('"b" is not host:port');
    expect(() => addressList('a:1,,b:2')).toThrow('without empty entries');
  });

  it('separator unescapes \\t and refuses empty', () => {
    expect(separator('\\t')).toBe('\t');
    expect(separator('::')).toBe('::');
    expect(() => separator('')).toThrow(InvalidArgumentError);
  });
});

describe('resolveBootstrap', () => {
  it('prefers the option, then FJORD_BOOTSTRAP, then 127.0.0.1:7400', () => {
    expect(resolveBootstrap('h:1', { FJORD_BOOTSTRAP: 'e:2' })).toBe('h:1');
    expect(resolveBootstrap(undefined, { FJORD_BOOTSTRAP: 'e:2' })).toBe('e:2');
    expect(resolveBootstrap(undefined, {})).toBe('127.0.0.1:7400');
    expect(() => resolveBootstrap(undefined, { FJORD_BOOTSTRAP: 'nonsense' })).toThrow(UsageError);
    expect(resolveBootstrap(undefined, { FJORD_BOOTSTRAP: 'a:1, b:2,c:3' })).toBe('a:1,b:2,c:3');
    expect(() => resolveBootstrap(undefined, { FJORD_BOOTSTRAP: 'a:1,b' })).toThrow(
      'host:port[,host:port...]',
    );
  });
});
