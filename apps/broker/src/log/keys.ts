/**
 * Binary key layout of the broker's LevelDB. Keys sort byte-wise, so every number is
 * fixed-width big-endian and keys of one partition share a prefix:
 *
 *   log  0x01 | topicId (16) | partition (u32) | baseOffset (u64)                -> batch bytes
 *   time 0x02 | topicId (16) | partition (u32) | maxTimestamp (i64*) | baseOffset -> empty
 *   meta 0x03 | topicId (16) | partition (u32)                                   -> PartitionMeta
 *   flush 0x04                                                                   -> empty (a sync write of it fsyncs)
 *   cluster 0x05                                                                 -> cluster id (UTF-8)
 *   clean 0x06                                                                   -> empty, present after a clean stop
 *   dir 0x07                                                                     -> DirectoryIdentity (JSON)
 *   producer 0x08 | topicId (16) | partition (u32) | producerId (u64)            -> ProducerEntry (JSON)
 *
 * (*) i64 with the sign bit flipped, so negative timestamps sort before positive ones.
 */

export const KeyKind = {
  Log: 0x01,
  TimeIndex: 0x02,
  Meta: 0x03,
  FlushMarker: 0x04,
  ClusterId: 0x05,
  CleanShutdown: 0x06,
  DirectoryIdentity: 0x07,
  ProducerState: 0x08,
} as const;
export type KeyKind = (typeof KeyKind)[keyof typeof KeyKind];

const TOPIC_ID_BYTES = 16;
/** kind + topicId + partition */
const PARTITION_PREFIX_BYTES = 1 + TOPIC_ID_BYTES + 4;
const SIGN_BIT = 1n << 63n;

/** Converts a UUID string (with or without dashes) to its 16 bytes. */
export function topicIdToBytes(topicId: string): Buffer {
  const hex = topicId.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`topic id "${topicId}" is not a UUID`);
  return Buffer.from(hex, 'hex');
}

/** Converts 16 topic-id bytes back to the canonical dashed UUID string. */
export function topicIdFromBytes(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The prefix shared by every key of one kind for one partition. */
export function partitionPrefix(kind: KeyKind, topicId: Buffer, partition: number): Buffer {
  const key = Buffer.allocUnsafe(PARTITION_PREFIX_BYTES);
  key[0] = kind;
  topicId.copy(key, 1);
  key.writeUInt32BE(partition, 1 + TOPIC_ID_BYTES);
  return key;
}

/**
 * The smallest key greater than every key starting with `prefix` (the exclusive upper
 * bound of a prefix range).
 */
export function prefixUpperBound(prefix: Buffer): Buffer {
  const bound = Buffer.from(prefix);
  for (let i = bound.length - 1; i >= 0; i--) {
    if (bound[i]! < 0xff) {
      bound[i]! += 1;
      return bound.subarray(0, i + 1);
    }
  }
  throw new Error('prefix of only 0xff bytes has no upper bound');
}

/** Log key of the batch starting at `baseOffset`. */
export function logKey(topicId: Buffer, partition: number, baseOffset: bigint): Buffer {
  const key = Buffer.allocUnsafe(PARTITION_PREFIX_BYTES + 8);
  partitionPrefix(KeyKind.Log, topicId, partition).copy(key, 0);
  key.writeBigUInt64BE(baseOffset, PARTITION_PREFIX_BYTES);
  return key;
}

/** Base offset stored in a log key. */
export function baseOffsetOfLogKey(key: Buffer): bigint {
  return key.readBigUInt64BE(PARTITION_PREFIX_BYTES);
}

/** Encodes a signed millisecond timestamp so that byte order equals numeric order. */
export function encodeSortableTimestamp(timestampMs: number, target: Buffer, offset: number): void {
  target.writeBigUInt64BE(BigInt.asUintN(64, BigInt(timestampMs)) ^ SIGN_BIT, offset);
}

/** Inverse of {@link encodeSortableTimestamp}. */
export function decodeSortableTimestamp(source: Buffer, offset: number): number {
  return Number(BigInt.asIntN(64, source.readBigUInt64BE(offset) ^ SIGN_BIT));
}

/** Time-index key: the batch at `baseOffset` raised the partition's running max timestamp to `timestampMs`. */
export function timeIndexKey(
  topicId: Buffer,
  partition: number,
  timestampMs: number,
  baseOffset: bigint,
): Buffer {
  const key = Buffer.allocUnsafe(PARTITION_PREFIX_BYTES + 16);
  partitionPrefix(KeyKind.TimeIndex, topicId, partition).copy(key, 0);
  encodeSortableTimestamp(timestampMs, key, PARTITION_PREFIX_BYTES);
  key.writeBigUInt64BE(baseOffset, PARTITION_PREFIX_BYTES + 8);
  return key;
}

/** Lower bound of the time-index keys of one partition with a timestamp >= `timestampMs`. */
export function timeIndexSeekKey(topicId: Buffer, partition: number, timestampMs: number): Buffer {
  const key = Buffer.allocUnsafe(PARTITION_PREFIX_BYTES + 8);
  partitionPrefix(KeyKind.TimeIndex, topicId, partition).copy(key, 0);
  encodeSortableTimestamp(timestampMs, key, PARTITION_PREFIX_BYTES);
  return key;
}

/** Timestamp and base offset stored in a time-index key. */
export function parseTimeIndexKey(key: Buffer): { timestampMs: number; baseOffset: bigint } {
  return {
    timestampMs: decodeSortableTimestamp(key, PARTITION_PREFIX_BYTES),
    baseOffset: key.readBigUInt64BE(PARTITION_PREFIX_BYTES + 8),
  };
}

/** Meta key of one partition. */
export function metaKey(topicId: Buffer, partition: number): Buffer {
  return partitionPrefix(KeyKind.Meta, topicId, partition);
}

/** Key of one idempotent producer's state in one partition. */
export function producerStateKey(topicId: Buffer, partition: number, producerId: bigint): Buffer {
  const key = Buffer.allocUnsafe(PARTITION_PREFIX_BYTES + 8);
  partitionPrefix(KeyKind.ProducerState, topicId, partition).copy(key, 0);
  key.writeBigUInt64BE(producerId, PARTITION_PREFIX_BYTES);
  return key;
}

/** Producer id stored in a producer-state key. */
export function producerIdOfStateKey(key: Buffer): bigint {
  return key.readBigUInt64BE(PARTITION_PREFIX_BYTES);
}

/** Topic id bytes and partition stored in a meta key. */
export function parseMetaKey(key: Buffer): { topicId: Buffer; partition: number } {
  return {
    topicId: key.subarray(1, 1 + TOPIC_ID_BYTES),
    partition: key.readUInt32BE(1 + TOPIC_ID_BYTES),
  };
}

/** Key written with sync:true to force an fsync of everything written before it. */
export const FLUSH_MARKER_KEY = Buffer.from([KeyKind.FlushMarker]);

/** Holds the id of the cluster this data directory belongs to (set on first registration). */
export const CLUSTER_ID_KEY = Buffer.from([KeyKind.ClusterId]);

/** Present while the broker is stopped after a clean shutdown; removed on start. */
export const CLEAN_SHUTDOWN_KEY = Buffer.from([KeyKind.CleanShutdown]);

/** Holds the broker id and directory id this data directory belongs to (Kafka's meta.properties). */
export const DIRECTORY_IDENTITY_KEY = Buffer.from([KeyKind.DirectoryIdentity]);
