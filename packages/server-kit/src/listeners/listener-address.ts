/** Kafka's security protocols; a listener names one. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

/** One of {@link SECURITY_PROTOCOLS}. */
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** Whether a listener of this protocol runs TLS (SSL, SASL_SSL). */
export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

/** Whether a listener of this protocol asks for a SASL login (SASL_PLAINTEXT, SASL_SSL). */
export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/**
 * The protocols a listener family accepts unless its server says it serves more
 * (`resolveListeners`' `servedProtocols`): a server that serves only PLAINTEXT refuses a
 * configuration asking for protection instead of silently running without it. gRPC listeners
 * served by `startGrpcServer` with `security` serve every one of {@link SECURITY_PROTOCOLS}.
 */
export const SUPPORTED_SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT'];

/**
 * The name of the one listener that `--port` / `--advertised-host` (and a broker's
 * `--kafka-port`) stand for, as Kafka names the listener of `listeners=PLAINTEXT://:9092`.
 */
export const DEFAULT_LISTENER_NAME = 'PLAINTEXT';

/** `NAME://host:port`, one entry of `--listeners` or `--advertised-listeners`. */
export interface ListenerAddress {
  name: string;
  /** Without brackets for IPv6; '' in a bind address means every interface. */
  host: string;
  port: number;
}

const NAME = /^[A-Za-z0-9_-]+$/;
const ENTRY = /^([^:/\s]*):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s[\]]*):(\d{1,5})$/;

/**
 * Parses a comma-separated `NAME://host:port` list (`INTERNAL://0.0.0.0:7400,EXTERNAL://:7500`,
 * `[::1]` for IPv6). Each name appears once; ports are within 0..65535 (`minPort` raises the floor).
 */
export function parseListenerList(
  text: string,
  minPort = 0,
): { addresses: ListenerAddress[] } | { problem: string } {
  const addresses: ListenerAddress[] = [];
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { problem: 'must name at least one listener, NAME://host:port' };
  for (const entry of entries) {
    const match = ENTRY.exec(entry);
    if (!match) return { problem: `"${entry}" is not NAME://host:port` };
    const [, name = '', rawHost = '', rawPort = ''] = match;
    if (!NAME.test(name)) {
      return { problem: `"${entry}": a listener name is letters, digits, "_" and "-", got "${name}"` };
    }
    const port = Number(rawPort);
    if (port < minPort || port > 65_535) {
      return { problem: `"${entry}": port must be between ${minPort} and 65535` };
    }
    if (addresses.some((a) => a.name === name)) return { problem: `listener ${name} is named twice` };
    addresses.push({ name, host: rawHost.replace(/^\[|\]$/g, ''), port });
  }
  return { addresses };
}

/**
 * Parses `NAME:PROTOCOL,...` (`INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL`), Kafka's
 * `listener.security.protocol.map`; protocols are case-insensitive.
 */
export function parseSecurityProtocolMap(
  text: string,
): { map: Record<string, SecurityProtocol> } | { problem: string } {
  const map: Record<string, SecurityProtocol> = {};
  for (const entry of text.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const [name = '', protocol = '', ...rest] = entry.split(':').map((part) => part.trim());
    if (rest.length > 0 || !NAME.test(name) || protocol === '') {
      return { problem: `"${entry}" is not NAME:PROTOCOL` };
    }
    const upper = protocol.toUpperCase();
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(upper)) {
      return {
        problem: `"${entry}": unknown security protocol "${protocol}" (one of ${SECURITY_PROTOCOLS.join(', ')})`,
      };
    }
    if (map[name] !== undefined) return { problem: `listener ${name} is mapped twice` };
    map[name] = upper as SecurityProtocol;
  }
  return { map };
}
