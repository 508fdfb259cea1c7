import type { Listener } from './resolve-listeners.js';

/** A listener's advertised address once bound: what a server registers or tells clients. */
export interface AdvertisedEndpoint {
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
}

/**
 * The advertised endpoint of each listener; a listener without an advertised port advertises
 * the port it was bound to (`boundPorts`, by name), which differs from the configured one with 0.
 */
export function advertisedEndpoints(
  listeners: readonly Listener[],
  boundPorts: ReadonlyMap<string, number>,
): AdvertisedEndpoint[] {
  return listeners.map((l) => ({
    name: l.name,
    host: l.advertisedHost,
    port: l.advertisedPort ?? boundPorts.get(l.name) ?? l.port,
    securityProtocol: l.securityProtocol,
  }));
}
