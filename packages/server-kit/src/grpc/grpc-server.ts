import {
  type HealthStatus,
  type InstrumentOptions,
  instrumentService,
  requestOutcome,
} from '@fjord/observability';
import { GRPC_CHANNEL_OPTIONS } from '@fjord/protocol';
import * as grpc from '@grpc/grpc-js';
import type { GrpcServerLimits } from '../config/grpc-limits.js';
import { DEFAULT_LISTENER_NAME, type SecurityProtocol } from '../listeners/listener-address.js';
import type { GrpcServerSecurity } from '../security/server-security.js';
import { TlsFileWatcher } from '../security/tls-file-watcher.js';
import { grpcServerCredentials } from '../security/tls-files.js';
import { authenticateService } from './authenticate-service.js';
import { authorizedHandlers } from './authorization-gate.js';
import { listenerTaggingInterceptor } from './call-listener.js';
import { callSecurityInterceptor, type ListenerOfPort } from './call-security.js';
import { SERVER_RECEIVE_WINDOW_BYTES, widenReceiveWindows } from './receive-window.js';
import { guardedDefinition } from './request-guard.js';

/** In-flight calls get this long to finish when a server stops, then they are cancelled. */
export const SHUTDOWN_GRACE_MS = 5_000;

/** One gRPC service a server offers: its definition and its handlers. */
export interface GrpcServiceBinding {
  definition: grpc.ServiceDefinition;
  handlers: grpc.UntypedServiceImplementation;
  /**
   * Caps below the server's `maxRequestBytes` for the methods named (e.g. a broker's Fetch,
   * which carries no records): a larger request is answered INVALID_ARGUMENT with
   * MESSAGE_TOO_LARGE, undecoded.
   */
  maxRequestBytes?: Readonly<Record<string, number>>;
}

/** One named address a gRPC server binds (a listener's bind half). */
export interface GrpcListenerBinding {
  name: string;
  /** Bind address; an IPv6 address may be given with or without brackets. */
  host: string;
  /** 0 picks an ephemeral port (see {@link RunningGrpcServer.ports}). */
  port: number;
  /** What the listener enforces (default PLAINTEXT); anything else needs the server's `security`. */
  securityProtocol?: SecurityProtocol;
}

/** Options of {@link startGrpcServer}: `listeners`, or `host` and `port` for one listener. */
export interface StartGrpcServerOptions {
  /** Bind address of the one listener when `listeners` is absent. */
  host?: string;
  /** Port of the one listener when `listeners` is absent; 0 picks an ephemeral port. */
  port?: number;
  /**
   * Every listener, each on its own port; handlers learn which one a call came in on with
   * `listenerOfCall`. The first one's port is {@link RunningGrpcServer.port}.
   */
  listeners?: readonly GrpcListenerBinding[];
  services: readonly GrpcServiceBinding[];
  /** Serves the standard gRPC health service (grpc.health.v1.Health) next to the services. */
  health?: HealthStatus;
  /** Counts and times every unary call of every service: the one place requests are instrumented. */
  instrument?: InstrumentOptions;
  /** Request size and per-connection stream caps (default: grpc-js's, 4 MiB and unbounded). */
  limits?: GrpcServerLimits;
  /**
   * TLS, authentication and authorization (issue #13). Given: SSL and SASL_SSL listeners serve
   * `tls`; one interceptor establishes each call's principal (and checks SASL_* session
   * tokens); every unary call is authorized against `state.authorizer()` before its handler;
   * AuthService/Authenticate is served. Absent: every listener must be PLAINTEXT.
   */
  security?: GrpcServerSecurity;
}

/** A bound gRPC server and the ports it actually got (they differ from the ones asked for with 0). */
export interface RunningGrpcServer {
  server: grpc.Server;
  /** The first listener's bound port. */
  port: number;
  /** Bound port by listener name. */
  ports: ReadonlyMap<string, number>;
}

/** `host:port` as grpc-js takes it, to bind or to dial: `[::1]:7400` for an IPv6 host. */
export function grpcAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Creates a gRPC server with the given services and binds each listener (grpc-js serves once
 * bound). Every connection gets a {@link SERVER_RECEIVE_WINDOW_BYTES} HTTP/2 receive window. Every method's request decoding is guarded (see request-guard.ts): a body that is not
 * a valid message, or over its method's cap, reaches the request adapter as a refusal.
 */
export async function startGrpcServer(options: StartGrpcServerOptions): Promise<RunningGrpcServer> {
  const { limits, security } = options;
  const listeners = options.listeners ?? [
    { name: DEFAULT_LISTENER_NAME, host: options.host ?? '127.0.0.1', port: options.port ?? 0 },
  ];
  if (listeners.length === 0) throw new Error('a gRPC server needs at least one listener');
  const credentials = listenerCredentials(listeners, security);
  const listenerOfPort = new Map<number, ListenerOfPort>();
  const services = security ? [...options.services, authenticateService(security)] : options.services;
  // Calls refused before any handler (no or a bad session token) are counted like answered
  // ones, under the method's name and the refusal's code: both from fixed sets.
  const apiOfPath = new Map<string, string>();
  for (const { definition } of services) {
    for (const [api, method] of Object.entries(definition)) {
      if (!method.requestStream && !method.responseStream) apiOfPath.set(method.path, api);
    }
  }
  const countRefusal = (path: string, status: { code: grpc.status; metadata: grpc.Metadata }) => {
    const api = apiOfPath.get(path);
    if (api !== undefined && options.instrument)
      options.instrument.metrics.start(api)(requestOutcome(status));
  };
  const server = new grpc.Server({
    ...GRPC_CHANNEL_OPTIONS,
    ...(limits && {
      'grpc.max_receive_message_length': limits.maxRequestBytes,
      'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    }),
    interceptors: [
      listenerTaggingInterceptor((port) => listenerOfPort.get(port)?.name),
      ...(security
        ? [callSecurityInterceptor(security, (port) => listenerOfPort.get(port), countRefusal)]
        : []),
    ],
  });
  for (const { definition, handlers: given, maxRequestBytes } of services) {
    // Authorized inside the instrumentation, so that refusals are counted with their code.
    const handlers = security ? authorizedHandlers(definition, given, security.state) : given;
    server.addService(
      guardedDefinition(definition, maxRequestBytes),
      options.instrument ? instrumentService(definition, handlers, options.instrument) : handlers,
    );
  }
  options.health?.addToServer(server);
  const ports = new Map<string, number>();
  try {
    for (const listener of listeners) {
      const port = await bind(server, listener, credentials(listener));
      widenReceiveWindows(server);
      ports.set(listener.name, port);
      listenerOfPort.set(port, { name: listener.name, protocol: listener.securityProtocol ?? 'PLAINTEXT' });
    }
  } catch (error) {
    server.forceShutdown();
    throw error;
  }
  return { server, port: ports.get(listeners[0]!.name)!, ports };
}

/**
 * The credentials each listener binds with: TLS from one watched set of files for SSL and
 * SASL_SSL, insecure for PLAINTEXT and SASL_PLAINTEXT. Client certificates (`clientAuth`) are
 * asked for on SSL listeners only: a SASL_SSL listener's clients authenticate with SASL, as
 * Kafka ignores ssl.client.auth on SASL_SSL listeners. A listener that asks for protection the
 * server was not given is refused here, before anything binds.
 */
function listenerCredentials(
  listeners: readonly GrpcListenerBinding[],
  security: GrpcServerSecurity | undefined,
): (listener: GrpcListenerBinding) => grpc.ServerCredentials {
  const byProtocol = new Map<SecurityProtocol, grpc.ServerCredentials>();
  let watcher: TlsFileWatcher | undefined;
  for (const listener of listeners) {
    const protocol = listener.securityProtocol ?? 'PLAINTEXT';
    if (protocol === 'PLAINTEXT') continue;
    if (!security) {
      throw new Error(
        `listener ${listener.name} is ${protocol}, but the server was started without security`,
      );
    }
    if (protocol === 'SASL_PLAINTEXT' || byProtocol.has(protocol)) continue;
    if (!security.tls) {
      throw new Error(
        `listener ${listener.name} is ${protocol}: it needs --ssl-certificate-file and --ssl-key-file`,
      );
    }
    watcher ??= new TlsFileWatcher(security.tls, {
      ...(security.reloadIntervalMs === undefined ? {} : { reloadIntervalMs: security.reloadIntervalMs }),
      ...(security.onTlsReloadError === undefined ? {} : { onError: security.onTlsReloadError }),
    });
    byProtocol.set(
      protocol,
      grpcServerCredentials(watcher, protocol === 'SSL' ? security.clientAuth : 'none'),
    );
  }
  return (listener) =>
    byProtocol.get(listener.securityProtocol ?? 'PLAINTEXT') ?? grpc.ServerCredentials.createInsecure();
}

function bind(
  server: grpc.Server,
  listener: GrpcListenerBinding,
  credentials: grpc.ServerCredentials,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(grpcAddress(listener.host, listener.port), credentials, (error, port) => {
      if (error)
        reject(
          new Error(
            `listener ${listener.name} (${grpcAddress(listener.host, listener.port)}): ${error.message}`,
          ),
        );
      else resolve(port);
    });
  });
}

/**
 * Stops accepting calls and lets in-flight ones finish (tryShutdown); after `graceMs` the
 * remaining calls are cancelled (forceShutdown), so a stuck call cannot hold a shutdown.
 */
export function stopGrpcServer(server: grpc.Server, graceMs: number = SHUTDOWN_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
