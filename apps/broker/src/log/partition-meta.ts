import { z } from 'zod';
import { encodeProducerStates, type ProducerStates, storedProducerStatesSchema } from './producer-state.js';

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
  /**
   * Idempotent producers' state, written with every append so that it survives a restart
   * exactly as the log does (absent in meta written before idempotence: no producers).
   */
  producers: ProducerStates;
}

const offsetString = z.string().regex(/^\d+$/).transform(BigInt);

// JSON with offsets as decimal strings: tiny, one per partition, and readable in a dump.
const storedMetaSchema = z.object({
  logStartOffset: offsetString,
  sizeBytes: z.number().int().nonnegative(),
  leaderEpochCache: z.array(z.tuple([z.number().int(), offsetString])),
  highWatermark: offsetString.optional(),
  producers: storedProducerStatesSchema.optional(),
});

/** An empty partition's meta. */
export function emptyPartitionMeta(): PartitionMeta {
  return { logStartOffset: 0n, sizeBytes: 0, leaderEpochCache: [], producers: new Map() };
}

/** Serializes meta for the meta key. */
export function encodePartitionMeta(meta: PartitionMeta): Buffer {
  return Buffer.from(
    JSON.stringify({
      logStartOffset: meta.logStartOffset.toString(),
      sizeBytes: meta.sizeBytes,
      leaderEpochCache: meta.leaderEpochCache.map(([epoch, offset]) => [epoch, offset.toString()]),
      highWatermark: meta.highWatermark?.toString(),
      producers: meta.producers.size > 0 ? encodeProducerStates(meta.producers) : undefined,
    }),
  );
}

/** Parses stored meta; throws when the stored bytes are not valid meta. */
export function decodePartitionMeta(bytes: Buffer): PartitionMeta {
  const { producers, ...rest } = storedMetaSchema.parse(JSON.parse(bytes.toString('utf8')));
  return { ...rest, producers: producers ?? new Map() };
}
