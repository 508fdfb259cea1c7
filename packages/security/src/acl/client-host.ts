import { isIP } from 'node:net';

/**
 * The client address an ACL's host is compared with, from a bare IP address such as a socket's
 * `remoteAddress`. Kafka compares the textual IP address, so IPv4-mapped IPv6 addresses
 * (`::ffff:10.0.0.5`) are written as the IPv4 address they carry, and a client on 10.0.0.5
 * matches an ACL for host `10.0.0.5` however it reached the server. Anything that is not an IP
 * address is an error: an ACL must never match on a name the client chose.
 */
export function clientHost(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? (mapped[1] as string) : address;
  if (isIP(ip) === 0) throw new Error(`cannot take a client host from '${address}': not an IP address`);
  return ip.toLowerCase();
}

/**
 * {@link clientHost} of a grpc-js server call's `getPeer()`. grpc-js 1.14 writes it as
 * `${remoteAddress}:${remotePort}` without brackets even for IPv6 (`::1:51234`), so the last
 * `:<port>` is always the port and is cut before the address is read; the bracketed
 * (`[::1]:51234`) and scheme (`ipv4:10.0.0.5:51234`) forms are accepted too.
 */
export function clientHostFromGrpcPeer(peer: string): string {
  const withoutScheme = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(withoutScheme);
  if (bracketed) return clientHost(bracketed[1] as string);
  const withPort = /^(.*):\d{1,5}$/.exec(withoutScheme);
  if (!withPort)
    throw new Error(`cannot take a client host from gRPC peer '${peer}': expected <address>:<port>`);
  return clientHost(withPort[1] as string);
}
