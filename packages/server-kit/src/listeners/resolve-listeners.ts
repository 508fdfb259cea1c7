import { flagName } from '../config/names.js';
import {
  DEFAULT_LISTENER_NAME,
  type ListenerAddress,
  SECURITY_PROTOCOLS,
  type SecurityProtocol,
  SUPPORTED_SECURITY_PROTOCOLS,
} from './listener-address.js';

/** A named listener as a server binds and advertises it. */
export interface Listener {
  name: string;
  /** Bind address ('0.0.0.0' for every interface). */
  host: string;
  /** Bind port; 0 = ephemeral. */
  port: number;
  /** What clients that came in on this listener are told to connect to. */
  advertisedHost: string;
  /** Absent: the bound port (known only after binding with port 0). */
  advertisedPort?: number;
  securityProtocol: SecurityProtocol;
}

/** A problem with one setting (its camelCase key), for the configuration's error list. */
export interface ListenerProblem {
  key: string;
  message: string;
}

/** The single-listener settings of before named listeners: `--host`, `--port`, `--advertised-host`... */
export interface ListenerShorthand {
  host: string;
  port: number;
  advertisedHost?: string;
  advertisedPort?: number;
  /** The shorthand settings that were given explicitly (keys): refused together with named listeners. */
  given: readonly string[];
}

/** Options of {@link resolveListeners}: one family of listeners (gRPC, or a broker's Kafka ones). */
export interface ResolveListenersOptions {
  listeners?: readonly ListenerAddress[];
  advertisedListeners?: readonly ListenerAddress[];
  securityProtocolMap?: Readonly<Record<string, SecurityProtocol>>;
  /** Used when `listeners` is absent; absent too: the family has no listener. */
  shorthand?: ListenerShorthand;
  /** The setting keys of this family, for the messages. */
  keys: { listeners: string; advertisedListeners: string; securityProtocolMap: string };
  /**
   * The protocols this family's server serves (default SUPPORTED_SECURITY_PROTOCOLS, PLAINTEXT
   * only); gRPC listeners of a server started with `security` pass SECURITY_PROTOCOLS.
   */
  servedProtocols?: readonly SecurityProtocol[];
}

const EVERY_INTERFACE = new Set(['', '0.0.0.0', '::']);

/**
 * Turns Kafka-style listener settings (`listeners`, `advertised.listeners`,
 * `listener.security.protocol.map`) or the single-listener shorthand into the listeners to bind.
 * A listener without an advertised address advertises its bind address, which must then be a
 * real one (not 0.0.0.0); each listener binds its own port; a listener's security protocol
 * comes from the map, or from its name when that is a protocol name (Kafka's default map), and
 * must be one the family's server serves (`servedProtocols`).
 */
export function resolveListeners(options: ResolveListenersOptions): {
  listeners: Listener[];
  problems: ListenerProblem[];
} {
  const { keys, shorthand } = options;
  const problems: ListenerProblem[] = [];
  const flag = (key: string) => `--${flagName(key)}`;
  const protocolOf = (name: string): SecurityProtocol | undefined => {
    const mapped = options.securityProtocolMap?.[name];
    if (mapped !== undefined) return mapped;
    if ((SECURITY_PROTOCOLS as readonly string[]).includes(name)) return name as SecurityProtocol;
    problems.push({
      key: keys.securityProtocolMap,
      message: `listener ${name} has no security protocol: add ${name}:PLAINTEXT (or another protocol)`,
    });
    return undefined;
  };

  let listeners: Listener[];
  if (options.listeners === undefined) {
    if (options.advertisedListeners !== undefined) {
      problems.push({
        key: keys.advertisedListeners,
        message: `needs ${flag(keys.listeners)}: it advertises listeners that are not declared`,
      });
    }
    if (shorthand === undefined) return { listeners: [], problems };
    const protocol = protocolOf(DEFAULT_LISTENER_NAME) ?? 'PLAINTEXT';
    listeners = [
      {
        name: DEFAULT_LISTENER_NAME,
        host: shorthand.host,
        port: shorthand.port,
        advertisedHost: shorthand.advertisedHost ?? shorthand.host,
        ...(shorthand.advertisedPort === undefined ? {} : { advertisedPort: shorthand.advertisedPort }),
        securityProtocol: protocol,
      },
    ];
  } else {
    for (const key of shorthand?.given ?? []) {
      problems.push({
        key,
        message: `cannot be combined with ${flag(keys.listeners)}: give each listener's address there and in ${flag(keys.advertisedListeners)}`,
      });
    }
    const advertised = new Map((options.advertisedListeners ?? []).map((a) => [a.name, a]));
    for (const name of advertised.keys()) {
      if (!options.listeners.some((l) => l.name === name)) {
        problems.push({
          key: keys.advertisedListeners,
          message: `listener ${name} is not in ${flag(keys.listeners)}`,
        });
      }
    }
    listeners = [];
    for (const bound of options.listeners) {
      const host = bound.host === '' ? '0.0.0.0' : bound.host;
      const ad = advertised.get(bound.name);
      if (ad && EVERY_INTERFACE.has(ad.host)) {
        problems.push({
          key: keys.advertisedListeners,
          message: `listener ${bound.name} advertises "${ad.host}", which no client can connect to: give a host name or address`,
        });
      }
      if (!ad && EVERY_INTERFACE.has(bound.host)) {
        problems.push({
          key: keys.advertisedListeners,
          message: `listener ${bound.name} binds every interface: name the address clients use, ${bound.name}://host:port`,
        });
      }
      const protocol = protocolOf(bound.name);
      if (protocol === undefined) continue;
      listeners.push({
        name: bound.name,
        host,
        port: bound.port,
        advertisedHost: ad?.host ?? host,
        ...(ad ? { advertisedPort: ad.port } : {}),
        securityProtocol: protocol,
      });
    }
    const ports = new Map<number, string>();
    for (const l of listeners) {
      const other = ports.get(l.port);
      if (l.port !== 0 && other !== undefined) {
        problems.push({
          key: keys.listeners,
          message: `listeners ${other} and ${l.name} both bind port ${l.port}: each listener needs its own port`,
        });
      }
      ports.set(l.port, l.name);
    }
  }
  const served = options.servedProtocols ?? SUPPORTED_SECURITY_PROTOCOLS;
  for (const l of listeners) {
    if (!served.includes(l.securityProtocol)) {
      problems.push({
        key: keys.securityProtocolMap,
        message: `listener ${l.name}: security protocol ${l.securityProtocol} is not yet supported on ${flag(keys.listeners)} (served: ${served.join(', ')})`,
      });
    }
  }
  return { listeners, problems };
}
