import type { Listener } from '../listeners/resolve-listeners.js';
import { grpcAddress } from './grpc-server.js';

/** `NAME://host:port` of each listener as bound, for the `listening` log line. */
export function boundListenerAddresses(
  listeners: readonly Listener[],
  boundPorts: ReadonlyMap<string, number>,
): string[] {
  return listeners.map((l) => `${l.name}://${grpcAddress(l.host, boundPorts.get(l.name) ?? l.port)}`);
}
