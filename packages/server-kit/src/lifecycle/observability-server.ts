import {
  createMetricsRegistry,
  HealthStatus,
  type ObservabilityLogger,
  type Registry,
  serveObservability,
} from '@fjord/observability';
import type { Teardown } from './teardown.js';

/** Where a server serves /metrics and /healthz: the `host` and `metricsPort` settings. */
export interface ObservabilitySettings {
  /** Bind address of the HTTP server. */
  host: string;
  /** 0 picks an ephemeral port; -1 turns the HTTP server off. */
  metricsPort: number;
}

/** A server's metrics registry and health status, and the port /metrics and /healthz got. */
export interface RunningObservability {
  registry: Registry;
  health: HealthStatus;
  /** The bound port; -1 when turned off. */
  port: number;
}

/**
 * A server's first step: the metrics registry, the health status (NOT_SERVING until the
 * server says otherwise) and the /metrics and /healthz server, so that probes get an answer
 * (503) while storage opens. Registered first on `teardown`, so it closes last: /metrics stays
 * scrapeable and /healthz says 503 until the very end of a stop.
 */
export async function startObservability(
  teardown: Teardown,
  settings: ObservabilitySettings,
  /** Fully qualified names of the gRPC services the health status reports on. */
  serviceNames: readonly string[],
  logger: ObservabilityLogger,
): Promise<RunningObservability> {
  const registry = createMetricsRegistry();
  const health = new HealthStatus(serviceNames);
  const server = await serveObservability({
    host: settings.host,
    port: settings.metricsPort,
    registry,
    health,
    logger,
  });
  teardown.add('metrics server', () => server.close());
  return { registry, health, port: server.port };
}
