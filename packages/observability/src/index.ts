// @fjord/observability: what Fjord's server processes share for operators: one Prometheus
// registry per process, request instrumentation of a gRPC handler map, the gRPC health
// service, and the HTTP server of /metrics and /healthz.

// The apps define their own metrics with the same prom-client this package registers on.
export { Counter, Gauge, Histogram, type Registry } from 'prom-client';
export { type HealthServingStatus, HealthStatus, OVERALL_SERVICE } from './health.js';
export { HealthClient, type HealthWatch, type ObservedHealthStatus } from './health-client.js';
export {
  METRICS_DISABLED_PORT,
  type ObservabilityLogger,
  type ObservabilityServer,
  type ObservabilityServerOptions,
  serveObservability,
} from './http-server.js';
export { type InstrumentOptions, instrumentService } from './instrument-service.js';
export { type HandlerError, OK_OUTCOME, requestOutcome } from './outcome.js';
export { createMetricsRegistry } from './registry.js';
export { REQUEST_DURATION_BUCKETS_SECONDS, RequestMetrics } from './request-metrics.js';
