import { describe, expect, it } from 'vitest';
import { clientHost, clientHostFromGrpcPeer } from './client-host.js';

describe('clientHost', () => {
  it('normalises bare addresses, IPv4-mapped ones to IPv4', () => {
    expect(clientHost('127.0.0.1')).toBe('127.0.0.1');
    expect(clientHost('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(clientHost('FE80::1')).toBe('fe80::1');
  });

  it('refuses anything that is not an IP address', () => {
    for (const bad of ['localhost', 'unix:/tmp/sock', '', '10.0.0.5:80'])
      expect(() => clientHost(bad), bad).toThrow(/not an IP address/);
  });
});

describe('clientHostFromGrpcPeer', () => {
  it('reads grpc-js server peers (address:port, unbracketed IPv6) and the bracketed and scheme forms', () => {
    expect(clientHostFromGrpcPeer('10.0.0.5:51234')).toBe('10.0.0.5');
    expect(clientHostFromGrpcPeer('::1:8080')).toBe('::1');
    expect(clientHostFromGrpcPeer('::ffff:10.0.0.5:51234')).toBe('10.0.0.5');
    expect(clientHostFromGrpcPeer('[::1]:51234')).toBe('::1');
    expect(clientHostFromGrpcPeer('ipv4:10.0.0.5:51234')).toBe('10.0.0.5');
    expect(clientHostFromGrpcPeer('ipv6:[::1]:51234')).toBe('::1');
  });

  it('refuses a peer without a port or without an IP address', () => {
    expect(() => clientHostFromGrpcPeer('unix:/tmp/sock')).toThrow(/expected <address>:<port>/);
    expect(() => clientHostFromGrpcPeer('evil.example:1')).toThrow(/not an IP address/);
  });
});
