import { describe, expect, it } from 'vitest';
import { hostPort, hostPortList, int, nonEmpty, port } from './settings.js';

const messages = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  result.error?.issues.map((issue) => issue.message);

describe('setting schemas', () => {
  it('int parses a whole number string within its bounds, naming the rule it broke', () => {
    expect(int(1, 10).parse(' 7 ')).toBe(7);
    expect(int(-1).parse('-1')).toBe(-1);
    expect(messages(int(1, 10).safeParse('0'))).toEqual(['must be >= 1']);
    expect(messages(int(1, 10).safeParse('11'))).toEqual(['must be <= 10']);
    expect(messages(int(1).safeParse('1.5'))).toEqual(['must be a whole number']);
    expect(messages(int(1).safeParse(undefined))).toEqual(['is required']);
  });

  it('port allows 0..65535, and -1 where asked', () => {
    expect(port().parse('0')).toBe(0);
    expect(messages(port().safeParse('65536'))).toEqual(['must be <= 65535']);
    expect(messages(port().safeParse('-1'))).toEqual(['must be >= 0']);
    expect(port(-1).parse('-1')).toBe(-1);
  });

  it('hostPortList takes one or more host:port, comma-separated, and names a bad entry', () => {
    expect(hostPortList.parse('127.0.0.1:7400')).toEqual(['127.0.0.1:7400']);
    expect(hostPortList.parse(' a:1, [::1]:2,b:3 ')).toEqual(['a:1', '[::1]:2', 'b:3']);
    expect(hostPortList.parse(['a:1', 'b:2'])).toEqual(['a:1', 'b:2']);
    expect(messages(hostPortList.safeParse('a:1,coordinator'))).toEqual(['"coordinator" must be host:port']);
    expect(messages(hostPortList.safeParse('a:1,,b:2'))).toEqual([
      'must be host:port[,host:port...] without empty entries',
    ]);
    expect(messages(hostPortList.safeParse('a:1,a:1'))).toEqual(['lists an address twice']);
  });

  it('hostPort takes host:port and a bracketed IPv6 host', () => {
    expect(hostPort.parse('127.0.0.1:7400')).toBe('127.0.0.1:7400');
    expect(hostPort.parse('[::1]:7400')).toBe('[::1]:7400');
    expect(messages(hostPort.safeParse('::1:7400'))).toEqual(['must be host:port']);
    expect(messages(hostPort.safeParse('coordinator'))).toEqual(['must be host:port']);
  });

  it('nonEmpty refuses blanks', () => {
    expect(messages(nonEmpty.safeParse('  '))).toEqual(['must not be empty']);
  });
});
