import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The metrics registry of one server process: a fresh prom-client Registry (never the
 * library's global one, so that tests running several in one process, or a library that
 * also uses prom-client, cannot mix their metrics in), with Node's default process metrics
 * (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`, event-loop lag, GC, …)
 * registered on it. Those keep their conventional unprefixed names so that standard
 * dashboards work; Fjord's own metrics start with `fjord_`.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
