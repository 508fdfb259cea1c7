import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HealthStatus } from './health.js';

/** `metricsPort` value that turns the HTTP server (/metrics and /healthz) off. */
export const METRICS_DISABLED_PORT = -1;

/** The log calls {@link serveObservability} makes (pino's shape). */
export interface ObservabilityLogger {
  info(fields: object, message: string): void;
}

/** Options of {@link serveObservability}. */
export interface ObservabilityServerOptions {
  /** Bind address (the app's `host`). */
  host: string;
  /** 0 = ephemeral, {@link METRICS_DISABLED_PORT} = no server. */
  port: number;
  registry: Registry;
  health: HealthStatus;
  logger: ObservabilityLogger;
}

/** A started (or disabled) /metrics and /healthz server. */
export interface ObservabilityServer {
  /** The bound port; {@link METRICS_DISABLED_PORT} when disabled. */
  readonly port: number;
  /** Stops listening and drops open (keep-alive) connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the process's HTTP endpoint for operators, on its own port so that scrapes and
 * probes never compete with gRPC traffic:
 * - `GET /metrics`: the registry in Prometheus text format;
 * - `GET /healthz`: 200 while the health status is SERVING, else 503, with a small JSON body
 *   (`{"status":"SERVING"}`), for probes that speak HTTP but not gRPC (container health checks).
 * Logs `{"msg":"metrics listening","metricsPort":N,"host":"..."}` once bound (the actual port
 * with port 0; docs/dev/CONTRACTS.md), or `metrics disabled` with port -1.
 */
export async function serveObservability(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const { host, port, logger } = options;
  if (port === METRICS_DISABLED_PORT) {
    logger.info({ metricsPort: port }, 'metrics disabled');
    return { port, close: async () => {} };
  }
  const server = createServer((request, response) => {
    void handle(options, request, response);
  });
  // Scrapers keep connections open; a short idle timeout keeps a stopping process from waiting.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  logger.info({ metricsPort: bound, host }, 'metrics listening');
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= closeServer(server);
      return closing;
    },
  };
}

async function handle(
  { registry, health }: ObservabilityServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/metrics' && path !== '/healthz') {
    reply(
      response,
      404,
      'application/json',
      JSON.stringify({ error: 'not found', paths: ['/metrics', '/healthz'] }),
    );
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    reply(response, 405, 'application/json', JSON.stringify({ error: 'method not allowed' }));
    return;
  }
  if (path === '/healthz') {
    const status = health.status;
    reply(response, status === 'SERVING' ? 200 : 503, 'application/json', JSON.stringify({ status }));
    return;
  }
  try {
    reply(response, 200, registry.contentType, await registry.metrics());
  } catch (error) {
    // A failing collect() callback: say which, rather than serve a partial page.
    reply(response, 500, 'text/plain', `metrics collection failed: ${(error as Error).message ?? error}\n`);
  }
}

function reply(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
