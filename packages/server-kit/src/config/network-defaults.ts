/**
 * The coordinator's default gRPC port. Broker N defaults to this + N, so that a cluster on
 * one machine needs no port settings, and brokers find the coordinator here by default.
 */
export const DEFAULT_GRPC_PORT = 7400;

/** The coordinator's default /metrics and /healthz port; broker N defaults to this + N. */
export const DEFAULT_METRICS_PORT = 9400;

/** Where servers bind, and brokers look for the coordinator, by default: this machine only. */
export const DEFAULT_HOST = '127.0.0.1';
