/** Caps the decoder checks before allocating anything. */
export interface DecodeLimits {
  /** Most elements of one array (Kafka has no such cap; a count is also bounded by the bytes left). */
  readonly maxArrayLength: number;
  /** Longest string in bytes (Kafka refuses strings longer than a signed 16-bit length). */
  readonly maxStringBytes: number;
}

/** The limits used unless a caller passes others. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxArrayLength: 1_000_000,
  maxStringBytes: 32_767,
};

/** Largest request frame a broker accepts, as Kafka's socket.request.max.bytes default (100 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600;
