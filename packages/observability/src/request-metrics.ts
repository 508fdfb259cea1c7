import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Latency buckets in seconds: from sub-millisecond metadata reads to long-polling fetches
 * (which wait up to their `max_wait_ms` by design) and slow acks=all produces.
 */
export const REQUEST_DURATION_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * The request metrics of one process's gRPC server:
 * - `<prefix>_requests_total{api, outcome}`: counter, outcome `ok` or an error name
 *   (see {@link requestOutcome});
 * - `<prefix>_request_duration_seconds{api}`: histogram of the time from the handler's
 *   start to its answer.
 * `api` is the RPC method name as the proto spells it (`Produce`, `GetMetadata`).
 */
export class RequestMetrics {
  readonly requests: Counter<'api' | 'outcome'>;
  readonly duration: Histogram<'api'>;

  /** @param prefix metric name prefix, e.g. `fjord_broker`. */
  constructor(registry: Registry, prefix: string) {
    this.requests = new Counter({
      name: `${prefix}_requests_total`,
      help: 'gRPC requests answered, by API (RPC method) and outcome (ok, or the error name)',
      labelNames: ['api', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: `${prefix}_request_duration_seconds`,
      help: 'Time from receiving a gRPC request to answering it, by API (Fetch includes its long-poll wait)',
      labelNames: ['api'],
      buckets: REQUEST_DURATION_BUCKETS_SECONDS,
      registers: [registry],
    });
  }

  /** Starts timing one request; call the result once with its outcome when answered. */
  start(api: string): (outcome: string) => void {
    const startedNs = process.hrtime.bigint();
    return (outcome) => {
      const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
      this.requests.inc({ api, outcome });
      this.duration.observe({ api }, seconds);
    };
  }
}
