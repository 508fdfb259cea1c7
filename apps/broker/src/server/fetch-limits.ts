/** Longest a fetch may wait for data (Kafka caps it by the request timeout; we cap it here). */
export const MAX_FETCH_WAIT_MS = 30_000;
/** Request byte budget when the client sends 0 (Kafka's fetch.max.bytes default). */
export const DEFAULT_FETCH_MAX_BYTES = 50 * 1024 * 1024;
/** Per-partition byte budget when the client sends 0 (Kafka's max.partition.fetch.bytes default). */
export const DEFAULT_PARTITION_MAX_BYTES = 1024 * 1024;
/** Room left in a gRPC message for everything but the record bytes. */
export const RESPONSE_HEADROOM_BYTES = 1024 * 1024;
