import { z } from 'zod';
import { legacyProducerStatesSchema } from './producer-state.js';

/** Per-partition state kept next to the log, written in the same LevelDB batch as the change. */
export interface PartitionMeta {
  logStartOffset: bigint;
  sizeBytes: number;
  /** [leaderEpoch, startOffset] pairs, ascending: the first offset written in each epoch (KIP-101). */
  leaderEpochCache: Array<[number, bigint]>;
  /**
   * High-watermark checkpoint (replication): on restart consumers see records only below
   * it until the leader moves it again. Absent in meta written before replication, where
   * the log end offset was the high watermark.
   */
  highWatermark?: bigint;
}

/** Meta as read: older brokers also kept every idempotent producer's state in it. */
export interface StoredPartitionMeta extends PartitionMeta {
  /** The whole producer state of meta written before per-producer keys (producer-state-store.ts). */
  legacyProducers?: z.output<typeof legacyProducerStatesSchema>;
}

const offsetString = z.string().regex(/^\d+$/).transform(BigInt);

// JSON with offsets as decimal strings: tiny, one per partition, and readable in a dump.
// Producer state has its own keys, so the meta stays this small however many producers write.
const storedMetaSchema = z.object({
  logStartOffset: offsetString,
  sizeBytes: z.number().int().nonnegative(),
  leaderEpochCache: z.array(z.tuple([z.number().int(), offsetString])),
  highWatermark: offsetString.optional(),
  producers: legacyProducerStatesSchema.optional(),
});

/** An empty partition's meta. */
export function emptyPartitionMeta(): StoredPartitionMeta {
  return { logStartOffset: 0n, sizeBytes: 0, leaderEpochCache: [] };
}

/** Serializes meta for the meta key. */
export function encodePartitionMeta(meta: PartitionMeta): Buffer {
  return Buffer.from(
    JSON.stringify({
      logStartOffset: meta.logStartOffset.toString(),
      sizeBytes: meta.sizeBytes,
      leaderEpochCache: meta.leaderEpochCache.map(([epoch, offset]) => [epoch, offset.toString()]),
      highWatermark: meta.highWatermark?.toString(),
    }),
  );
}

/** Thrown by {@link decodePartitionMeta} when the stored bytes are not valid meta. */
export class CorruptPartitionMetaError extends Error {
  constructor(topicId: string, partition: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`the stored meta of partition ${topicId}/${partition} cannot be decoded: ${reason}`, { cause });
    this.name = 'CorruptPartitionMetaError';
  }
}

/** Parses the stored meta of `topicId`/`partition`; throws {@link CorruptPartitionMetaError}. */
export function decodePartitionMeta(bytes: Buffer, topicId: string, partition: number): StoredPartitionMeta {
  let parsed: z.output<typeof storedMetaSchema>;
  try {
    parsed = storedMetaSchema.parse(JSON.parse(bytes.toString('utf8')));
  } catch (error) {
    throw new CorruptPartitionMetaError(topicId, partition, error);
  }
  const { producers, ...rest } = parsed;
  return producers && producers.length > 0 ? { ...rest, legacyProducers: producers } : rest;
}
