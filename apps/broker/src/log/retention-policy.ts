/** The topic configs that decide retention (Kafka names: retention.ms, retention.bytes). */
export interface RetentionPolicy {
  /** Batches whose max timestamp is older than this are deleted; -1 keeps them forever. */
  retentionMs: number;
  /** Front batches are deleted while the log stays at or above this size; -1 for no cap. */
  retentionBytes: number;
}

/** What retention needs to know about the batch at the front of the log. */
export interface FrontBatch {
  sizeBytes: number;
  maxTimestampMs: number;
}

/**
 * Whether the front batch goes: it is older than retention.ms, or the log without it is
 * still at least retention.bytes (so the log never shrinks below the cap, as in Kafka).
 */
export function shouldDeleteFront(
  front: FrontBatch,
  logSizeBytes: number,
  policy: RetentionPolicy,
  nowMs: number,
): boolean {
  if (policy.retentionMs >= 0 && front.maxTimestampMs < nowMs - policy.retentionMs) return true;
  return policy.retentionBytes >= 0 && logSizeBytes - front.sizeBytes >= policy.retentionBytes;
}
